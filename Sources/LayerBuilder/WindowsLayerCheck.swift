import Foundation

/// A problem found in a Windows layer.
public struct WindowsLayerFinding: Sendable, Hashable, CustomStringConvertible {
    /// Stable identifier, e.g. `missing-rawsd`.
    public var id: String
    /// What is wrong and where.
    public var message: String

    /// Creates a finding.
    public init(id: String, message: String) {
        self.id = id
        self.message = message
    }

    public var description: String { "\(id): \(message)" }
}

/// Checks the structure of Windows layers (what hcsshim's layer import needs).
public enum WindowsLayerCheck {
    /// Checks Windows layer rules: first entries `Hives` and `Files` (as directories, either
    /// order), every other entry under `Files/` or `Hives/`, every parent directory before its
    /// children, `MSWINDOWS.rawsd` on every `Files/` entry.
    ///
    /// Finding ids: `missing-hives-root`, `missing-files-root` (absent, not a directory, or not
    /// among the first two entries), `outside-files`, `parent-after-child`, `missing-parent`
    /// (never present), `missing-rawsd`, `invalid-rawsd` (not base64). Names are compared
    /// case-insensitively, as Windows does, and `./` and trailing `/` are ignored.
    /// Whiteouts (`.wh.*`) and hard links need no security descriptor.
    /// - Returns: findings in entry order; empty when the layer is fine.
    public static func check(_ entries: [TarEntryInfo]) -> [WindowsLayerFinding] {
        var findings: [WindowsLayerFinding] = []
        let names = entries.map { normalizedMemberName($0.name) }
        let folded = names.map { $0.uppercased() }

        for (root, id) in [(WindowsLayout.hivesRoot, "missing-hives-root"), (WindowsLayout.filesRoot, "missing-files-root")] {
            let foldedRoot = root.uppercased()
            guard let index = folded.firstIndex(of: foldedRoot) else {
                findings.append(.init(id: id, message: "the layer has no '\(root)' directory entry; Windows layers start with 'Hives' and 'Files' directories"))
                continue
            }
            if !entries[index].isDirectory {
                findings.append(.init(id: id, message: "'\(names[index])' is not a directory (type '\(typeText(entries[index].type))')"))
            } else if index > 1 {
                findings.append(.init(id: id, message: "'\(root)' is entry #\(index + 1); it must be one of the first two entries"))
            }
        }

        // First position of every directory, to tell "parent comes later" from "parent missing".
        var directoryIndex: [String: Int] = [:]
        for (i, entry) in entries.enumerated() where entry.isDirectory && directoryIndex[folded[i]] == nil {
            directoryIndex[folded[i]] = i
        }

        let filesPrefix = WindowsLayout.filesRoot.uppercased() + "/"
        let hivesPrefix = WindowsLayout.hivesRoot.uppercased() + "/"
        for (i, entry) in entries.enumerated() {
            let name = names[i]
            let key = folded[i]
            if key == WindowsLayout.filesRoot.uppercased() || key == WindowsLayout.hivesRoot.uppercased() { continue }
            guard key.hasPrefix(filesPrefix) || key.hasPrefix(hivesPrefix) else {
                findings.append(.init(id: "outside-files", message: "'\(name)' is outside 'Files/' and 'Hives/'; it will not appear in the container's C:\\"))
                continue
            }
            if let slash = name.lastIndex(of: "/") {
                let parentName = String(name[..<slash])
                let parent = parentName.uppercased()
                if let p = directoryIndex[parent] {
                    if p > i {
                        findings.append(.init(id: "parent-after-child", message: "'\(name)' comes before its parent directory '\(parentName)' (entry #\(p + 1)); the import fails with 'path not found'"))
                    }
                } else {
                    findings.append(.init(id: "missing-parent", message: "'\(name)' has no directory entry for its parent '\(parentName)'; the import fails with 'path not found'"))
                }
            }
            guard key.hasPrefix(filesPrefix) else { continue }
            let base = name.split(separator: "/").last ?? ""
            if base.hasPrefix(".wh.") || entry.type == 0x31 { continue }
            if let sd = entry.paxRecords[WindowsLayout.rawSecurityDescriptorKey] {
                if Data(base64Encoded: sd) == nil {
                    findings.append(.init(id: "invalid-rawsd", message: "'\(name)' has an \(WindowsLayout.rawSecurityDescriptorKey) record that is not base64"))
                }
            } else {
                findings.append(.init(id: "missing-rawsd", message: "'\(name)' has no \(WindowsLayout.rawSecurityDescriptorKey) PAX record; without a security descriptor executables may not run as ContainerUser"))
            }
        }
        return findings
    }

    private static func typeText(_ type: UInt8) -> String {
        (0x20..<0x7F).contains(type) ? String(UnicodeScalar(type)) : "\\(\(type))"
    }
}
