import Testing
@testable import OCIModel

@Suite struct WindowsReleaseTests {
    /// windows-format.md §3.1: release names and their builds.
    @Test(arguments: [
        ("ltsc2016", 14393), ("ltsc2019", 17763), ("1809", 17763), ("2019", 17763), ("1903", 18362), ("1909", 18363),
        ("2004", 19041), ("20H2", 19042), ("20h2", 19042), ("ltsc2022", 20348), ("LTSC2022", 20348), ("2022", 20348),
        ("23H2", 25398), ("ltsc2025", 26100), ("2025", 26100),
    ])
    func knownNamesMapToBuilds(name: String, build: Int) throws {
        let release = try #require(WindowsRelease.named(name))
        #expect(release.build == build)
    }

    @Test(arguments: WindowsRelease.all)
    func everySpellingOfAReleaseFindsIt(release: WindowsRelease) {
        var spellings = [release.name, release.name.uppercased(), release.name.lowercased(), String(release.build),
                         "10.0.\(release.build)", "10.0.\(release.build).2700", "10.0.\(release.build).0"]
        spellings += release.aliases + release.aliases.map { $0.uppercased() }
        for spelling in spellings {
            #expect(WindowsRelease.named(spelling) == release, "\(spelling) did not find \(release.name)")
        }
        #expect(WindowsRelease.forBuild(release.build) == release)
    }

    @Test func tableIsConsistent() {
        let all = WindowsRelease.all
        #expect(Set(all.map(\.build)).count == all.count, "builds must be unique")
        let spellings = all.flatMap { [$0.name.lowercased()] + $0.aliases.map { $0.lowercased() } }
        #expect(Set(spellings).count == spellings.count, "names and aliases must be unique")
        #expect(all.map(\.build) == all.map(\.build).sorted())
        for release in all {
            #expect(["LTSC", "SAC", "Annual"].contains(release.channel))
            if let end = release.endOfSupport {
                #expect(end.count == 10 && end.split(separator: "-").map(\.count) == [4, 2, 2], "\(end)")
            }
        }
        #expect(WindowsRelease.named("ltsc2019")?.nanoserverTag == "1809")
        #expect(WindowsRelease.named("ltsc2022")?.nanoserverTag == "ltsc2022")
    }

    @Test(arguments: ["", "ltsc2030", "22621", "10.0.22621.1", "11.0.20348", "10.1.20348", "10.0", "vista", "10.0.x"])
    func unknownSpellingsFindNothing(spelling: String) {
        #expect(WindowsRelease.named(spelling) == nil)
    }

    @Test(arguments: [
        ("10.0.20348", 10, 0, 20348, nil),
        ("10.0.20348.2700", 10, 0, 20348, 2700),
        ("10.0.17763.0", 10, 0, 17763, 0),
    ] as [(String, Int, Int, Int, Int?)])
    func parsesVersions(text: String, major: Int, minor: Int, build: Int, revision: Int?) throws {
        let version = try WindowsVersion(parsing: text)
        #expect(version == WindowsVersion(major: major, minor: minor, build: build, revision: revision))
        #expect(version.description == text)
    }

    @Test(arguments: ["", "10", "10.0", "10.0.x", "10.0.20348.", "10.0.20348.1.2", "a.b.c", "10.0.-1", "10.0.+5", " 10.0.1"])
    func rejectsBadVersions(text: String) {
        #expect(throws: OCIModelError.self) { try WindowsVersion(parsing: text) }
    }

    @Test func versionsOrderNumerically() throws {
        let texts = ["10.0.17763.1000", "10.0.17763.999", "10.0.17763", "10.0.20348.1", "6.3.9600"]
        let sorted = try texts.map { try WindowsVersion(parsing: $0) }.sorted().map(\.description)
        #expect(sorted == ["6.3.9600", "10.0.17763", "10.0.17763.999", "10.0.17763.1000", "10.0.20348.1"])
    }
}
