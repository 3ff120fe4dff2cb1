import Testing
@testable import OCIModel

/// Builds of Windows hosts and images (windows-format.md §3.1).
private enum Build {
    static let ws2016 = 14393, ws2019 = 17763, v1903 = 18362, v1909 = 18363, v2004 = 19041, v20H2 = 19042
    static let ws2022 = 20348, win11_22H2 = 22621, v23H2 = 25398, ws2025 = 26100, win11_25H2 = 26200
    static let all = [ws2016, ws2019, v1903, v1909, v2004, v20H2, ws2022, win11_22H2, v23H2, ws2025, win11_25H2]
}

/// Which image builds each host runs process-isolated: the official tables (§3.2: WS2016/2019/2022/2025,
/// Windows 11, SAC hosts needing the exact build) and containerd's rule and tests (§3.3, platforms rc.5).
private let processIsolated: [Int: Set<Int>] = [
    Build.ws2016: [Build.ws2016],
    Build.ws2019: [Build.ws2019],
    Build.v1903: [Build.v1903],
    Build.v1909: [Build.v1909],
    Build.v2004: [Build.v2004],
    Build.v20H2: [Build.v20H2],
    Build.ws2022: [Build.ws2022],
    Build.win11_22H2: [Build.ws2022, Build.win11_22H2],
    Build.v23H2: [Build.ws2022, Build.win11_22H2, Build.v23H2],
    Build.ws2025: [Build.ws2022, Build.win11_22H2, Build.v23H2, Build.ws2025],
    Build.win11_25H2: [Build.ws2022, Build.win11_22H2, Build.v23H2, Build.ws2025, Build.win11_25H2],
]

@Suite struct WindowsCompatibilityTests {
    @Test(arguments: Build.all, Build.all)
    func hostImageTable(host: Int, image: Int) throws {
        let expected = try #require(processIsolated[host]).contains(image)
        let hostVersion = WindowsVersion(build: host, revision: 3000)
        let imageVersion = WindowsVersion(build: image, revision: 1)
        #expect(WindowsCompatibility.runsProcessIsolated(host: hostVersion, image: imageVersion) == expected)
    }

    @Test(arguments: [
        ("10.0.17763.1000", "10.0.17763.5", true),
        ("10.0.17763", "10.0.17763.7249", true),
        ("10.0.20348.1", "10.0.20348.4405", true),
        ("10.0.26100.1", "10.0.20348.9999", true),
        ("6.3.20348", "10.0.20348", false),
        ("10.1.20348", "10.0.20348", false),
        ("10.0.26100", "6.0.20348", false),
        ("10.0.20347", "10.0.20347", true),
        ("10.0.20349", "10.0.20347", false),
    ])
    func majorMinorAndRevision(host: String, image: String, expected: Bool) throws {
        let result = WindowsCompatibility.runsProcessIsolated(host: try WindowsVersion(parsing: host),
                                                              image: try WindowsVersion(parsing: image))
        #expect(result == expected)
    }

    /// Hyper-V isolation: any image build up to the host's (a WS2019 host cannot run WS2022 images).
    @Test(arguments: Build.all, Build.all)
    func hyperV(host: Int, image: Int) {
        let result = WindowsCompatibility.runsHyperVIsolated(host: WindowsVersion(build: host), image: WindowsVersion(build: image))
        #expect(result == (image <= host))
    }

    @Test func processIsolatedRanges() {
        #expect(WindowsCompatibility.processIsolatedBuilds(hostBuild: 17763) == 17763...17763)
        #expect(WindowsCompatibility.processIsolatedBuilds(hostBuild: 20348) == 20348...20348)
        #expect(WindowsCompatibility.processIsolatedBuilds(hostBuild: 25398) == 20348...25398)
        #expect(WindowsCompatibility.processIsolatedBuilds(hostBuild: 26200) == 20348...26200)
    }
}
