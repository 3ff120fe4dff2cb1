import ImageCheck
import OCIModel
import Testing

private func win(_ version: String?, features: [String]? = nil, arch: String = "amd64") -> Candidate {
    Candidate(platform: Platform(os: "windows", architecture: arch, osVersion: version, osFeatures: features))
}

private func linux(_ arch: String, variant: String? = nil) -> Candidate {
    Candidate(platform: Platform(os: "linux", architecture: arch, variant: variant))
}

private func host(_ text: String, isolation: Isolation = .process) throws -> Host {
    try Host(parsing: text, isolation: isolation)
}

/// containerd's ordering among matching entries (windows-format.md §4.1).
@Suite struct SelectionOrderTests {
    /// The pause index: on each host the newest compatible build wins.
    @Test(arguments: [
        ("10.0.17763.6500", 0), ("10.0.20348.2700", 1), ("10.0.22621.1", 1), ("10.0.25398.1", 1),
        ("10.0.26100.1", 2), ("10.0.26200.1", 2), ("linux/amd64", 3), ("linux/arm64", 4), ("linux/arm64/v8", 4),
    ])
    func pauseIndex(hostText: String, chosen: Int) throws {
        let entries = [win("10.0.17763.6414"), win("10.0.20348.2762"), win("10.0.26100.2314"), linux("amd64"), linux("arm64")]
        let s = EntrySelection.select(entries, host: try host(hostText))
        #expect(s.chosen?.position == chosen)
    }

    @Test func greatestVersionFirstAmongSeveral() throws {
        let entries = [win("10.0.20348.2762"), win("10.0.26100.2894"), win("10.0.26100.3000"), win("10.0.17763.1")]
        let s = EntrySelection.select(entries, host: try host("10.0.26100"))
        #expect(s.order == [2, 1, 0])
        #expect(s.decisions[3].accepted == false)
        #expect(s.caveat == nil)
    }

    /// String compare: `.999` beats `.1000`, and the report says so.
    @Test func digitCountCaveat() throws {
        let s = EntrySelection.select([win("10.0.17763.1000"), win("10.0.17763.999")], host: try host("17763"))
        #expect(s.chosen?.position == 1)
        let caveat = try #require(s.caveat)
        #expect(caveat.contains("as strings") && caveat.contains("10.0.17763.1000"))
        #expect(s.chosen?.reason.contains(caveat) == true)
    }

    @Test func entriesWithoutVersionSortLast() throws {
        let s = EntrySelection.select([win(nil), win("10.0.20348.1"), win("")], host: try host("20348"))
        #expect(s.order == [1, 0, 2])
        #expect(s.decisions[0].reason.contains("os.version missing: matches any Windows host"))
        // Alone, a versionless entry is picked even on a host that cannot run every build.
        let only = EntrySelection.select([win(nil)], host: try host("17763"))
        #expect(only.chosen?.position == 0)
    }

    /// The verdict for a versionless entry comes from the image's config, or is unknown.
    @Test func versionlessEntryVerdictUsesConfig() throws {
        let h = try host("10.0.17763.5000")
        var entry = win(nil)
        #expect(Verdict.evaluate([entry], on: h).outcome == .unknown)
        entry.configPlatform = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2762")
        let wrong = Verdict.evaluate([entry], on: h)
        #expect(wrong.outcome == .doesNotRun && wrong.reason.contains("0xc0370101"))
        entry.configPlatform?.osVersion = "10.0.17763.6414"
        #expect(Verdict.evaluate([entry], on: h).runs)
    }

    /// An entry that lies about its build: containerd trusts the entry, the host the image.
    @Test func entryAndConfigDisagree() throws {
        var entry = win("10.0.20348.2762")
        entry.configPlatform = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.6414")
        let v = Verdict.evaluate([entry], on: try host("20348"))
        #expect(v.selection.chosen?.position == 0)
        #expect(v.outcome == .doesNotRun && v.reason.contains("its config says os.version 10.0.17763.6414"))
    }

    @Test func win32kIsIgnoredOtherFeaturesMustBeOffered() throws {
        let entries = [win("10.0.20348.1", features: ["win32k"]), win("10.0.20348.9", features: ["fancy"])]
        let plain = EntrySelection.select(entries, host: try host("20348"))
        #expect(plain.decisions.map(\.accepted) == [true, false])
        #expect(plain.decisions[0].reason.contains("win32k is ignored"))
        #expect(plain.decisions[1].reason.contains("os.features fancy not offered"))
        var offering = try host("20348")
        offering.features = ["fancy"]
        #expect(EntrySelection.select(entries, host: offering).chosen?.position == 1)
    }

    @Test func architectureAndOSMismatch() throws {
        let entries = [win("10.0.26100.1", arch: "arm64"), linux("amd64")]
        let s = EntrySelection.select(entries, host: try host("10.0.26100"))
        #expect(s.chosen == nil)
        #expect(s.decisions[0].reason.contains("architecture arm64 differs from the host's amd64"))
        #expect(s.decisions[1].reason.contains("os linux differs"))
        let v = Verdict.evaluate(entries, on: try host("10.0.26100"))
        #expect(v.outcome == .doesNotRun && v.reason.contains("no match for platform in manifest"))
        #expect(EntrySelection.select(entries, host: try host("windows/arm64:26100")).chosen?.position == 0)
        #expect(EntrySelection.select([linux("arm64", variant: "v8")], host: try host("linux/arm64")).chosen?.position == 0)
    }

    @Test func equalVersionsKeepDocumentOrderAndPlatformlessLast() throws {
        let s = EntrySelection.select([Candidate(platform: nil), win("10.0.20348.5"), win("10.0.20348.5")], host: try host("20348"))
        #expect(s.order == [1, 2, 0])
        #expect(s.decisions[0].reason.contains("no platform"))
    }

    @Test(arguments: [
        ("10.0.20348.2700", "windows", "amd64", "10.0.20348.2700"),
        ("20348", "windows", "amd64", "10.0.20348"),
        ("ltsc2019", "windows", "amd64", "10.0.17763"),
        ("windows/arm64:26100", "windows", "arm64", "10.0.26100"),
        ("windows/amd64:10.0.26100.1", "windows", "amd64", "10.0.26100.1"),
        ("linux/arm64", "linux", "arm64", ""),
    ])
    func hostParsing(text: String, os: String, arch: String, version: String) throws {
        let h = try Host(parsing: text)
        #expect(h.os == os && h.architecture == arch && (h.windowsVersion?.description ?? "") == version)
    }

    @Test(arguments: ["ltsc2099", "windows/amd64", "linux/amd64:10.0.1", "windows//x:1", "10.0.x.1", ""])
    func badHosts(text: String) {
        #expect(throws: CheckError.self) { try Host(parsing: text) }
    }
}
