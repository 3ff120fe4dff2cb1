import OCIModel

/// containerd's choice of an index entry for a host (windows-format.md §4.1, containerd 2.x with
/// `containerd/platforms` rc.5):
///
/// 1. keep entries whose os, architecture and variant equal the host's, whose `os.features` other than
///    `win32k` the host offers, and — on Windows — whose `os.version` the host can run
///    (`WindowsCompatibility`); entries without `os.version` match any Windows host (containerd ≥ 1.7);
/// 2. order them: on Windows the greatest `os.version` **string** first, entries without one last; on
///    Linux document order; entries without a `platform` are kept but tried last;
/// 3. pull the first.
public enum EntrySelection {
    /// Decides every entry and orders the accepted ones.
    public static func select(_ candidates: [Candidate], host: Host) -> Selection {
        var decisions: [EntryDecision] = []
        for (i, c) in candidates.enumerated() {
            let (accepted, reason) = decide(c.platform, host: host)
            decisions.append(EntryDecision(position: i, platform: c.platform, digest: c.digest, accepted: accepted, reason: reason))
        }
        let accepted = decisions.filter(\.accepted)
        // Swift's sort is not stable; sorting (key, position) pairs keeps document order for ties as Go's
        // sort.SliceStable does.
        let order = accepted.sorted { a, b in
            switch (a.platform, b.platform) {
            case (nil, nil): return a.position < b.position
            case (nil, _): return false
            case (_, nil): return true
            case let (pa?, pb?):
                guard host.isWindows else { return a.position < b.position }
                let va = pa.osVersion ?? "", vb = pb.osVersion ?? ""
                if va == vb { return a.position < b.position }
                return stringGreater(va, vb)
            }
        }.map(\.position)
        var selection = Selection(host: host, decisions: decisions, order: order, caveat: nil)
        if host.isWindows, let first = order.first {
            selection.caveat = stringOrderCaveat(chosen: decisions[first], others: order.dropFirst().map { decisions[$0] })
            if let caveat = selection.caveat { selection.decisions[first].reason += "; " + caveat }
        }
        return selection
    }

    /// Go's `p1.OSVersion > p2.OSVersion`: byte-wise, so `"10.0.17763.999" > "10.0.17763.1000"`.
    static func stringGreater(_ a: String, _ b: String) -> Bool {
        Array(b.utf8).lexicographicallyPrecedes(Array(a.utf8))
    }

    /// When a numerically newer matching entry lost only because revisions differ in digit count.
    static func stringOrderCaveat(chosen: EntryDecision, others: [EntryDecision]) -> String? {
        guard let text = chosen.platform?.osVersion, let version = try? WindowsVersion(parsing: text) else { return nil }
        let newer = others.compactMap { d -> (String, WindowsVersion)? in
            guard let t = d.platform?.osVersion, let v = try? WindowsVersion(parsing: t), v > version else { return nil }
            return (t, v)
        }.max { $0.1 < $1.1 }
        guard let (newerText, _) = newer else { return nil }
        return "containerd compares os.version as strings, so \"\(text)\" wins over the numerically newer \"\(newerText)\" (different digit counts); give every entry the same number of digits or publish one entry per build"
    }

    /// Whether one entry matches the host, with the reason.
    static func decide(_ platform: Platform?, host: Host) -> (Bool, String) {
        guard let p = platform else {
            return (true, "no platform: containerd keeps entries without a platform and tries them after all others")
        }
        guard p.os == host.os else {
            return (false, "os \(p.os) differs from the host's \(host.os)")
        }
        guard p.architecture == host.architecture else {
            return (false, "architecture \(p.architecture) differs from the host's \(host.architecture)")
        }
        if let hv = host.variant, normalizedVariant(p) != normalizedVariant(host.architecture, hv) {
            return (false, "variant \(p.variant ?? "(none)") differs from the host's \(hv)")
        }
        // containerd ignores win32k when matching (older versions never looked at it).
        let required = Set(p.osFeatures ?? []).subtracting(["win32k"])
        let missing = required.subtracting(host.features).sorted()
        if !missing.isEmpty {
            let offered = host.features.isEmpty ? "none" : host.features.sorted().joined(separator: ", ")
            return (false, "os.features \(missing.joined(separator: ", ")) not offered by the host (host offers: \(offered); win32k is ignored)")
        }
        let featureNote = (p.osFeatures ?? []).contains("win32k") ? " (os.features win32k is ignored when matching)" : ""
        guard host.isWindows, let hostVersion = host.windowsVersion else {
            return (true, "\(p.osArchVariant) matches the host\(featureNote)")
        }
        guard let text = p.osVersion, !text.isEmpty else {
            return (true, "os.version missing: matches any Windows host (containerd ≥1.7 fallback)\(featureNote)")
        }
        guard let imageVersion = try? WindowsVersion(parsing: text) else {
            return (false, "os.version '\(text)' is not MAJOR.MINOR.BUILD[.REVISION]")
        }
        let (ok, reason) = WindowsRule.check(host: hostVersion, image: imageVersion, isolation: host.isolation)
        return (ok, reason + featureNote)
    }

    /// containerd normalises an absent arm64 variant to v8 and arm to v7.
    static func normalizedVariant(_ p: Platform) -> String? { normalizedVariant(p.architecture, p.variant) }

    static func normalizedVariant(_ architecture: String, _ variant: String?) -> String? {
        switch (architecture, variant) {
        case ("arm64", nil): return "v8"
        case ("arm", nil): return "v7"
        default: return variant
        }
    }
}
