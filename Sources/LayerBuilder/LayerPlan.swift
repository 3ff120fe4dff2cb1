#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One tar member to write, with where its content comes from.
struct PlannedMember: Sendable, Hashable {
    enum Content: Sendable, Hashable {
        case none
        case file(source: String)
        case data([UInt8])
    }

    var header: TarHeader
    var content: Content
}

/// Turns `LayerEntry` values into the exact, ordered list of tar members. All validation happens
/// here, before any output file exists, so a bad input never leaves a partial layer behind.
enum LayerPlan {
    /// Mode of parent directories that no entry names explicitly.
    static let implicitDirectoryMode: UInt32 = 0o755

    private struct Resolved {
        var entry: LayerEntry
        var path: LayerPath
        var size: Int64
    }

    static func members(for entries: [LayerEntry], options: LayerOptions) throws -> [PlannedMember] {
        try options.validate()
        let windows = options.format == .windows
        // Windows file names are case-insensitive: fold for every identity comparison.
        func key(_ components: ArraySlice<String>) -> [UInt8] {
            let joined = components.joined(separator: "/")
            return Array((windows ? joined.uppercased() : joined).utf8)
        }

        var resolved: [Resolved] = []
        var explicit: [[UInt8]: Int] = [:]                                    // full key -> index in resolved
        var spelling: [[UInt8]: (spelled: [UInt8], entry: String)] = [:]     // Windows: one spelling per path

        for entry in entries {
            let path = try LayerPath(normalizing: entry.path, format: options.format)
            guard entry.mode & ~0o7777 == 0 else {
                throw LayerBuilderError.invalidMode(path: entry.path, mode: entry.mode)
            }
            let size = try validateKind(entry, format: options.format)
            let fullKey = key(path.components[...])
            if let i = explicit[fullKey] {
                let other = resolved[i]
                if other.entry.kind == .directory, entry.kind == .directory, other.entry.mode == entry.mode,
                   other.path.components == path.components {
                    continue  // the same directory twice is harmless; keep one
                }
                throw LayerBuilderError.duplicatePath(path.joined, first: other.entry.path, second: entry.path)
            }
            if windows {
                for k in 1...path.components.count {
                    let prefix = path.components[0..<k]
                    let spelled = Array(prefix.joined(separator: "/").utf8)
                    let folded = key(prefix)
                    if let known = spelling[folded], known.spelled != spelled {
                        throw LayerBuilderError.invalidPath(entry.path, reason:
                            "'\(prefix.joined(separator: "/"))' is spelled '\(String(decoding: known.spelled, as: UTF8.self))' by entry '\(known.entry)'; Windows paths are case-insensitive, so use one spelling")
                    }
                    spelling[folded] = (spelled, entry.path)
                }
            }
            explicit[fullKey] = resolved.count
            resolved.append(Resolved(entry: entry, path: path, size: size))
        }

        // Every parent must be a directory, and is emitted explicitly when no entry names it.
        var implicit: [[UInt8]: LayerPath] = [:]
        for r in resolved where r.path.components.count > 1 {
            for k in 1..<r.path.components.count {
                let prefix = r.path.components[0..<k]
                let prefixKey = key(prefix)
                if let i = explicit[prefixKey] {
                    guard resolved[i].entry.kind == .directory else {
                        throw LayerBuilderError.parentNotDirectory(path: r.entry.path, parent: prefix.joined(separator: "/"))
                    }
                } else if implicit[prefixKey] == nil {
                    implicit[prefixKey] = LayerPath(uncheckedComponents: Array(prefix))
                }
            }
        }

        var items: [(path: LayerPath, member: PlannedMember)] = []
        for r in resolved {
            items.append((r.path, member(for: r.entry, path: r.path, size: r.size, options: options)))
        }
        for path in implicit.values {
            let header = TarHeader(name: tarName(path, windows: windows), type: TarHeader.TypeFlag.directory,
                                   mode: implicitDirectoryMode, mtime: options.mtime,
                                   vendorRecords: windowsRecords(windows))
            items.append((path, PlannedMember(header: header, content: .none)))
        }
        items.sort { LayerPath.precedes($0.path, $1.path) }

        var members = items.map(\.member)
        if windows {
            members.insert(contentsOf: WindowsLayout.rootHeaders(mtime: options.mtime).map {
                PlannedMember(header: $0, content: .none)
            }, at: 0)
        }
        return members
    }

    /// Checks what the entry's kind needs; returns the content size.
    private static func validateKind(_ entry: LayerEntry, format: LayerFormat) throws -> Int64 {
        switch entry.kind {
        case .directory:
            return 0
        case let .data(bytes):
            return Int64(bytes.count)
        case let .symlink(target):
            if format == .windows { throw LayerBuilderError.symlinkInWindowsLayer(entry.path) }
            if target.isEmpty {
                throw LayerBuilderError.invalidSymlinkTarget(path: entry.path, target: target, reason: "the target is empty; give the path the link points to")
            }
            if target.utf8.contains(0) {
                throw LayerBuilderError.invalidSymlinkTarget(path: entry.path, target: target, reason: "the target contains a NUL byte; remove it")
            }
            return 0
        case let .file(source):
            // stat (not lstat): a host symlink is followed and its target's content is packed.
            var st = stat()
            guard stat(source, &st) == 0 else {
                throw LayerBuilderError.sourceUnreadable(source: source, entry: entry.path, reason: errnoDescription())
            }
            guard isRegularFile(st) else {
                throw LayerBuilderError.sourceNotRegularFile(source: source, entry: entry.path)
            }
            guard access(source, R_OK) == 0 else {
                throw LayerBuilderError.sourceUnreadable(source: source, entry: entry.path, reason: errnoDescription())
            }
            return Int64(st.st_size)
        }
    }

    private static func member(for entry: LayerEntry, path: LayerPath, size: Int64, options: LayerOptions) -> PlannedMember {
        let windows = options.format == .windows
        var header = TarHeader(name: tarName(path, windows: windows), type: TarHeader.TypeFlag.regular,
                               mode: entry.mode, size: size, mtime: options.mtime,
                               vendorRecords: windowsRecords(windows))
        let content: PlannedMember.Content
        switch entry.kind {
        case .directory:
            header.type = TarHeader.TypeFlag.directory
            content = .none
        case let .symlink(target):
            header.type = TarHeader.TypeFlag.symlink
            header.linkName = target
            content = .none
        case let .data(bytes):
            content = .data(bytes)
        case let .file(source):
            content = .file(source: source)
        }
        return PlannedMember(header: header, content: content)
    }

    private static func tarName(_ path: LayerPath, windows: Bool) -> String {
        windows ? WindowsLayout.tarName(for: path) : path.joined
    }

    /// Every member under `Files/` carries the security descriptor (directories too, as
    /// go-containerregistry does), so no entry falls back to whatever the import would inherit.
    private static func windowsRecords(_ windows: Bool) -> [String: String] {
        windows ? [WindowsLayout.rawSecurityDescriptorKey: WindowsLayout.defaultRawSecurityDescriptor] : [:]
    }
}

extension LayerPath {
    /// For prefixes of an already validated path.
    init(uncheckedComponents: [String]) { self.components = uncheckedComponents }
}
