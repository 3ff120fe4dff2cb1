import OCIModel

/// Whether a host can run an image, and why.
public struct Verdict: Sendable, Hashable, Encodable {
    public enum Outcome: String, Sendable, Hashable, Encodable {
        case runs
        case doesNotRun = "does-not-run"
        /// containerd pulls an entry whose real build cannot be told (no `os.version` anywhere).
        case unknown
    }

    public var outcome: Outcome
    public var reason: String
    public var selection: Selection

    public var host: Host { selection.host }
    public var runs: Bool { outcome == .runs }

    /// containerd's choice for `host`, then what the host does with the chosen image: the entry's
    /// `os.version` (or, when it is missing or disagrees, the config's) is checked against the host's
    /// build, and Windows Server 2016 hosts also need the same revision under process isolation (HCS
    /// checks it; containerd does not).
    public static func evaluate(_ candidates: [Candidate], on host: Host) -> Verdict {
        let selection = EntrySelection.select(candidates, host: host)
        guard let chosen = selection.chosen else {
            let why = host.isWindows ? " (\(host.isolation.rawValue) isolation)" : ""
            return Verdict(outcome: .doesNotRun,
                           reason: "no entry matches \(host.platformText)\(why); containerd fails with \"no match for platform in manifest: not found\"",
                           selection: selection)
        }
        let candidate = candidates[chosen.position]
        let (outcome, reason) = startCheck(chosen: chosen, candidate: candidate, host: host)
        return Verdict(outcome: outcome, reason: reason, selection: selection)
    }

    /// What happens when the host starts the chosen image.
    static func startCheck(chosen: EntryDecision, candidate: Candidate, host: Host) -> (Outcome, String) {
        let pulled = "containerd pulls entry \(chosen.label)"
        let config = candidate.configPlatform
        if chosen.platform == nil {
            guard let config else {
                return (.unknown, "\(pulled), which has no platform; its image could be for any OS — give every entry a platform")
            }
            let (ok, why) = EntrySelection.decide(config, host: host)
            guard ok else { return (.doesNotRun, "\(pulled), which has no platform; its config does not fit: \(why)") }
        }
        guard host.isWindows, let hostVersion = host.windowsVersion else { return (.runs, pulled) }

        let entryText = chosen.platform?.osVersion.flatMap { $0.isEmpty ? nil : $0 }
        let configText = config?.osVersion.flatMap { $0.isEmpty ? nil : $0 }
        let entryVersion = entryText.flatMap { try? WindowsVersion(parsing: $0) }
        let configVersion = configText.flatMap { try? WindowsVersion(parsing: $0) }

        // The config describes the image the host is asked to start; prefer it when the entry is silent
        // or names another build.
        let image: WindowsVersion
        var prefix = pulled
        switch (entryVersion, configVersion) {
        case let (e?, c?) where e.build != c.build:
            image = c
            prefix += ", but its config says os.version \(c) (the entry says \(e)); the host checks the image itself"
        case let (e?, _):
            image = e
        case let (nil, c?):
            image = c
            prefix += " (no os.version in the entry); its config says \(c)"
        case (nil, nil):
            return (.unknown, "\(pulled) without knowing its build (no os.version in the entry or config); the host refuses to start it with 0xc0370101 unless the image's build is compatible — add os.version to the entry")
        }
        let (ok, why) = WindowsRule.check(host: hostVersion, image: image, isolation: host.isolation)
        guard ok else {
            return (.doesNotRun, "\(prefix): \(why); the host refuses to start it (0xc0370101)")
        }
        if let problem = revisionProblem(host: hostVersion, image: image, isolation: host.isolation) {
            return problem.fatal ? (.doesNotRun, "\(prefix): \(problem.text)") : (.runs, "\(prefix): \(why); \(problem.text)")
        }
        return (.runs, "\(prefix): \(why)")
    }

    /// Windows Server 2016 runs process-isolated containers only with the host's exact revision
    /// (version-compatibility.md); later releases do not need matching revisions.
    static func revisionProblem(host: WindowsVersion, image: WindowsVersion, isolation: Isolation) -> (fatal: Bool, text: String)? {
        guard isolation == .process, host.build == 14393, image.build == 14393 else { return nil }
        switch (host.revision, image.revision) {
        case let (h?, i?) where h != i:
            return (true, "Windows Server 2016 hosts need the same revision under process isolation: host .\(h), image .\(i); the host refuses to start it (0xc0370101)")
        case (nil, _), (_, nil):
            return (false, "Windows Server 2016 hosts also need the image's revision to equal the host's (not checked: a revision is unknown)")
        default:
            return nil
        }
    }
}

/// Verdicts of one image on several hosts.
public struct CompatReport: Sendable, Hashable, Encodable {
    /// The image as the user named it.
    public var image: String
    /// The digest of the index or manifest checked.
    public var digest: Digest?
    public var verdicts: [Verdict]

    public init(image: String, digest: Digest?, candidates: [Candidate], hosts: [Host]) {
        self.image = image
        self.digest = digest
        verdicts = hosts.map { Verdict.evaluate(candidates, on: $0) }
    }

    /// True when every host runs the image; `winimg compat` exits 0 then and 3 otherwise.
    public var allRun: Bool { verdicts.allSatisfy(\.runs) }

    enum CodingKeys: String, CodingKey { case image, digest, allRun, verdicts }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)
        try c.encodeIfPresent(digest, forKey: .digest)
        try c.encode(allRun, forKey: .allRun)
        try c.encode(verdicts, forKey: .verdicts)
    }
}
