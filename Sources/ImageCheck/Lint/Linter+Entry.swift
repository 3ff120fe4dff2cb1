import Foundation
import OCIModel

extension Linter {
    /// Index entry against its config: os.version, os.features, os/arch/variant.
    func platformFindings(_ e: LintEntry, inIndex: Bool) -> [LintFinding] {
        guard e.isContainerImage else { return [] }
        var out: [LintFinding] = []
        let entry = e.image.entryPlatform, config = e.image.configPlatform
        if inIndex, entry == nil {
            out.append(LintFinding(.entryWithoutPlatform, e, "the index entry has no platform; the config says \(Inspection.platformText(config))"))
        }
        if inIndex, let entry, entry.isWindows, (entry.osVersion ?? "").isEmpty {
            let hint = config?.osVersion.map { "; the config says \($0)" } ?? ""
            out.append(LintFinding(.missingOSVersion, e, "the index entry has no os.version: containerd ≥1.7 may pick it on any Windows host, older containerd on none\(hint)"))
        }
        if let config, config.isWindows, (config.osVersion ?? "").isEmpty {
            out.append(LintFinding(.configMissingOSVersion, e, "the config has no os.version, so hosts cannot check the image's build before running it"))
        }
        guard inIndex, let entry, let config else { return out }
        if entry.os != config.os || entry.architecture != config.architecture || (entry.variant ?? "") != (config.variant ?? "") {
            out.append(LintFinding(.platformMismatch, e, "index says \(entry.osArchVariant), config says \(config.osArchVariant)"))
        }
        if let ev = entry.osVersion, let cv = config.osVersion, !ev.isEmpty, !cv.isEmpty, ev != cv {
            let eb = Self.build(entry), cb = Self.build(config)
            if eb != cb {
                out.append(LintFinding(.osVersionBuildMismatch, e, "index os.version \(ev), config os.version \(cv): a build-\(eb.map(String.init) ?? "?") host pulls a build-\(cb.map(String.init) ?? "?") image"))
            } else {
                out.append(LintFinding(.osVersionRevisionMismatch, e, "index os.version \(ev), config os.version \(cv)"))
            }
        }
        let ef = Set(entry.osFeatures ?? []), cf = Set(config.osFeatures ?? [])
        if entry.isWindows || config.isWindows, ef != cf {
            let show = { (s: Set<String>) in s.isEmpty ? "(none)" : s.sorted().joined(separator: ",") }
            out.append(LintFinding(.osFeaturesMismatch, e, "index os.features \(show(ef)), config os.features \(show(cf))"))
        }
        return out
    }

    /// The config itself: PATH, command, diff_ids, foreign layers.
    func configFindings(_ e: LintEntry) -> [LintFinding] {
        guard e.isContainerImage, let config = e.config else { return [] }
        var out: [LintFinding] = []
        let windows = config.os == "windows"
        if windows {
            for variable in config.env {
                guard let eq = variable.firstIndex(of: "="), variable[..<eq].uppercased() == "PATH" else { continue }
                let value = String(variable[variable.index(after: eq)...])
                if Self.looksLikeLinuxPath(value) {
                    out.append(LintFinding(.linuxPath, e, "Env \(variable): Windows programs are not found on it"))
                }
            }
            let command = (config.entrypoint ?? []) + (config.cmd ?? [])
            if let first = command.first, Self.looksLikeLinuxShell(first) {
                out.append(LintFinding(.linuxCommand, e, "the container starts \(command.joined(separator: " ")), a Linux program"))
            }
        }
        if (config.entrypoint ?? []).isEmpty, (config.cmd ?? []).isEmpty {
            out.append(LintFinding(.noCommand, e, "Entrypoint and Cmd are both empty; starting a container needs a command"))
        }
        if let ids = try? config.diffIDs, ids.count != e.layers.count {
            out.append(LintFinding(.layerCountMismatch, e, "the manifest lists \(e.layers.count) layer(s), the config \(ids.count) diff_id(s)"))
        }
        let foreign = e.image.foreignLayers
        if !foreign.isEmpty {
            let size = foreign.reduce(Int64(0)) { $0 + $1.size }
            let hosts = Set(foreign.flatMap(\.urls).compactMap { URL(string: $0)?.host }).sorted()
            out.append(LintFinding(.foreignLayers, e, "\(foreign.count) foreign layer(s), \(Inspection.human(size)), fetched from \(hosts.isEmpty ? "nowhere (no urls)" : hosts.joined(separator: ", "))"))
        }
        return out
    }

    /// Windows builds: known, and still supported.
    func releaseFindings(_ e: LintEntry) -> [LintFinding] {
        guard e.isContainerImage, e.isWindows, let version = e.platform?.osVersion, let build = Self.build(e.platform) else { return [] }
        guard let release = WindowsRelease.forBuild(build) else {
            let known = WindowsRelease.all.map { "\($0.build)" }.joined(separator: ", ")
            return [LintFinding(.unknownWindowsBuild, e, "os.version \(version): build \(build) is not a Windows Server release with container images (\(known))")]
        }
        guard let end = release.endOfSupport, end < Self.day(options.now) else { return [] }
        if release.channel == "LTSC" {
            return [LintFinding(.releaseMainstreamEnded, e, "\(release.name) (build \(build)) left mainstream support on \(end)")]
        }
        return [LintFinding(.releaseRetired, e, "\(release.name) (build \(build), \(release.channel)) reached end of support on \(end)")]
    }

    /// A colon-separated list of absolute POSIX directories, with no drive letter and no `;`.
    static func looksLikeLinuxPath(_ value: String) -> Bool {
        if value.contains(";") || value.contains("\\") { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: true)
        return !parts.isEmpty && parts.allSatisfy { $0.hasPrefix("/") }
    }

    /// `/bin/sh`, `/usr/bin/env` …: a Linux program path. `/app.exe` style paths work on Windows.
    static func looksLikeLinuxShell(_ program: String) -> Bool {
        let p = program.lowercased()
        if p.hasSuffix(".exe") || p.hasSuffix(".cmd") || p.hasSuffix(".bat") || p.hasSuffix(".ps1") { return false }
        return ["/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/", "/usr/local/bin/"].contains { p.hasPrefix($0) }
    }

    /// `yyyy-mm-dd` of `date` in UTC.
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
