import ImageCheck
import OCIModel
import Testing

/// One host/image pair of the published tables, with its expected verdict.
struct TableCase: Sendable, CustomTestStringConvertible {
    var source: String
    var host: Int
    var image: Int
    var isolation: Isolation
    var runs: Bool

    var testDescription: String { "\(source): host \(host) image \(image) \(isolation.rawValue) → \(runs ? "runs" : "no")" }
}

/// Builds: WS2016, WS2019, Win10 21H2/22H2, WS2022, Win11 21H2/22H2/23H2, WS 23H2, WS2025/Win11 24H2, Win11 25H2.
private enum B {
    static let ws2016 = 14393, ws2019 = 17763, win10_21H2 = 19044, win10_22H2 = 19045, ws2022 = 20348
    static let win11_21H2 = 22000, win11_22H2 = 22621, win11_23H2 = 22631, v23H2 = 25398, ws2025 = 26100, win11_25H2 = 26200
}

/// Both columns (Hyper-V / process) of one cell of a Microsoft table.
private func cell(_ source: String, _ host: Int, _ image: Int, hyperv: Bool, process: Bool) -> [TableCase] {
    [TableCase(source: source, host: host, image: image, isolation: .hyperv, runs: hyperv),
     TableCase(source: source, host: host, image: image, isolation: .process, runs: process)]
}

private func proc(_ source: String, _ host: Int, _ image: Int, _ runs: Bool) -> TableCase {
    TableCase(source: source, host: host, image: image, isolation: .process, runs: runs)
}

/// windows-format.md §3.2 (Microsoft "Windows container version compatibility", server and client
/// tables) and §3.3 (hcsshim/containerd rule and containerd/platforms' test table).
let compatibilityTable: [TableCase] = {
    let server = "§3.2 server", client = "§3.2 client", ctrd = "§3.3 containerd"
    var rows: [TableCase] = []
    // Windows Server hosts.
    rows += cell(server, B.ws2025, B.ws2025, hyperv: true, process: true)
    rows += cell(server, B.ws2025, B.ws2022, hyperv: true, process: true)
    rows += cell(server, B.ws2025, B.ws2019, hyperv: true, process: false)
    rows += cell(server, B.ws2025, B.ws2016, hyperv: true, process: false)
    rows += cell(server, B.ws2022, B.ws2022, hyperv: true, process: true)
    rows += cell(server, B.ws2022, B.ws2019, hyperv: true, process: false)
    rows += cell(server, B.ws2022, B.ws2016, hyperv: true, process: false)
    rows += cell(server, B.ws2019, B.ws2022, hyperv: false, process: false)
    rows += cell(server, B.ws2019, B.ws2019, hyperv: true, process: true)
    rows += cell(server, B.ws2019, B.ws2016, hyperv: true, process: false)
    rows += cell(server, B.ws2016, B.ws2022, hyperv: false, process: false)
    rows += cell(server, B.ws2016, B.ws2019, hyperv: false, process: false)
    rows += cell(server, B.ws2016, B.ws2016, hyperv: true, process: true)
    // Windows 11 hosts; WS2025 images only from 24H2 (26100) on (the table's footnote).
    for host in [B.win11_21H2, B.win11_22H2, B.win11_23H2, B.ws2025] {
        rows += cell(client, host, B.ws2022, hyperv: true, process: true)
        rows += cell(client, host, B.ws2019, hyperv: true, process: false)
        rows += cell(client, host, B.ws2016, hyperv: true, process: false)
    }
    rows += cell(client, B.win11_22H2, B.ws2025, hyperv: false, process: false)
    rows += cell(client, B.ws2025, B.ws2025, hyperv: true, process: true)
    // Windows 10 hosts.
    for host in [B.win10_21H2, B.win10_22H2] {
        rows += cell(client, host, B.ws2022, hyperv: false, process: false)
        rows += cell(client, host, B.ws2019, hyperv: true, process: false)
        rows += cell(client, host, B.ws2016, hyperv: true, process: false)
    }
    // containerd/platforms platform_windows_compat_test.go, then the rule's stated effect per host.
    rows += [
        proc(ctrd, B.ws2019, B.ws2019, true), proc(ctrd, B.ws2019, B.ws2022, false),
        proc(ctrd, B.ws2022, B.ws2019, false), proc(ctrd, B.ws2022, B.ws2022, true),
        proc(ctrd, B.win11_22H2, B.ws2019, false), proc(ctrd, B.win11_22H2, B.ws2022, true),
        proc(ctrd, B.v23H2, B.ws2022, true), proc(ctrd, B.ws2025, B.ws2022, true),
        proc(ctrd, B.ws2022, B.ws2025, false), proc(ctrd, B.ws2022, B.win11_22H2, false),
        proc(ctrd, B.ws2025, B.win11_22H2, true),
        proc(ctrd, B.win11_22H2, B.win11_22H2, true), proc(ctrd, B.win11_23H2, B.win11_22H2, true),
        proc(ctrd, B.v23H2, B.win11_22H2, true), proc(ctrd, B.v23H2, B.v23H2, true),
        proc(ctrd, B.v23H2, B.ws2025, false), proc(ctrd, B.v23H2, B.ws2019, false),
        proc(ctrd, B.ws2025, B.v23H2, true), proc(ctrd, B.ws2025, B.ws2019, false),
        proc(ctrd, B.win11_25H2, B.ws2022, true), proc(ctrd, B.win11_25H2, B.ws2025, true),
        proc(ctrd, B.win11_25H2, B.win11_25H2, true), proc(ctrd, B.win11_25H2, B.ws2019, false),
        proc(ctrd, B.ws2025, B.win11_25H2, false),
    ]
    return rows
}()

@Suite struct CompatibilityTableTests {
    /// Each pair as a single-entry index: containerd's choice and the verdict agree with the table.
    @Test(arguments: compatibilityTable)
    func table(_ row: TableCase) {
        // Different revisions on purpose (they do not matter from 1809 on); WS2016 pairs share the
        // revision, which that release requires.
        let imageRevision = row.image == B.ws2016 ? 3000 : 1000
        let host = Host.windows(WindowsVersion(build: row.host, revision: 3000), isolation: row.isolation)
        let entry = Candidate(platform: Platform(os: "windows", architecture: "amd64",
                                                 osVersion: "10.0.\(row.image).\(imageRevision)"))
        let verdict = Verdict.evaluate([entry], on: host)
        #expect(verdict.runs == row.runs, "\(verdict.reason)")
        #expect(verdict.selection.decisions[0].accepted == row.runs, "\(verdict.selection.decisions[0].reason)")
        if !row.runs {
            let reason = verdict.selection.decisions[0].reason
            #expect(reason.contains("build \(row.image)") && reason.contains("\(row.host)"), "\(reason)")
        }
    }

    @Test func rejectionReasonsNameTheRule() {
        let entry = Candidate(platform: Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.6414"))
        let v = Verdict.evaluate([entry], on: .windows(WindowsVersion(build: 20348, revision: 2700)))
        #expect(v.selection.decisions[0].reason.hasPrefix("build 17763 cannot run on host 20348 under process isolation"))
        #expect(v.reason.contains("no match for platform in manifest"))
        let newer = Verdict.evaluate([entry], on: .windows(WindowsVersion(build: 14393), isolation: .hyperv))
        #expect(newer.selection.decisions[0].reason.contains("newer than host build 14393"))
    }

    /// WS2016 hosts start process-isolated containers only with the same revision (HCS, not containerd).
    @Test func windowsServer2016NeedsSameRevision() {
        let entry = Candidate(platform: Platform(os: "windows", architecture: "amd64", osVersion: "10.0.14393.7515"))
        let mismatch = Verdict.evaluate([entry], on: .windows(WindowsVersion(build: 14393, revision: 7428)))
        #expect(mismatch.outcome == .doesNotRun)
        #expect(mismatch.selection.decisions[0].accepted, "containerd itself still picks it")
        #expect(mismatch.reason.contains("same revision"))
        #expect(Verdict.evaluate([entry], on: .windows(WindowsVersion(build: 14393, revision: 7428), isolation: .hyperv)).runs)
        let unknown = Verdict.evaluate([entry], on: .windows(WindowsVersion(build: 14393)))
        #expect(unknown.runs && unknown.reason.contains("not checked"))
    }
}
