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

        // Hard links: the target must be a regular file of this layer.
        var linkTargets: [Int: LayerPath] = [:]  // index in resolved -> target path
        for (i, r) in resolved.enumerated() {
            guard case let .hardlink(target) = r.entry.kind else { continue }
            let t = try LayerPath(normalizing: target, format: options.format)
            guard let j = explicit[key(t.components[...])] else {
                throw LayerBuilderError.invalidHardLink(path: r.entry.path, target: target, reason: "the target is not part of the layer; add it too")
            }
            switch resolved[j].entry.kind {
            case .file, .data: linkTargets[i] = resolved[j].path
            default:
                throw LayerBuilderError.invalidHardLink(path: r.entry.path, target: target, reason: "the target is not a regular file")
            }
        }

        var items: [(path: LayerPath, member: PlannedMember)] = []
        for (i, r) in resolved.enumerated() {
            var m = member(for: r.entry, path: r.path, size: r.size, options: options)
            if let t = linkTargets[i] {
                m.header.linkName = tarName(t, windows: windows)
            }
            items.append((r.path, m))
        }
        for path in implicit.values {
            let header = TarHeader(name: tarName(path, windows: windows), type: TarHeader.TypeFlag.directory,
                                   mode: implicitDirectoryMode, mtime: options.mtime,
                                   vendorRecords: windowsRecords(windows))
            items.append((path, PlannedMember(header: header, content: .none)))
        }
        items.sort { LayerPath.precedes($0.path, $1.path) }
        orderHardLinks(&items, windows: windows)

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
        case let .hardlink(target):
            if target.isEmpty {
                throw LayerBuilderError.invalidHardLink(path: entry.path, target: target, reason: "the target is empty")
            }
            return 0
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
        case .hardlink:
            header.type = TarHeader.TypeFlag.hardlink
            header.size = 0
            content = .none  // linkName is set by the caller, in tar-name form
        case let .data(bytes):
            content = .data(bytes)
        case let .file(source):
            content = .file(source: source)
        }
        return PlannedMember(header: header, content: content)
    }

    /// A tar hard link must follow the member it names. When the sorted order puts a link before
    /// its target, the first member of the group in that order carries the content and the others
    /// (the original target included) become links to it; the layer's content is the same.
    private static func orderHardLinks(_ items: inout [(path: LayerPath, member: PlannedMember)], windows: Bool) {
        var index: [String: Int] = [:]
        for (i, item) in items.enumerated() { index[item.member.header.name] = i }
        var groups: [String: [Int]] = [:]  // target tar name -> link indices
        for (i, item) in items.enumerated() where item.member.header.type == TarHeader.TypeFlag.hardlink {
            groups[item.member.header.linkName, default: []].append(i)
        }
        for (target, links) in groups {
            guard let t = index[target], let first = links.min(), first < t else { continue }
            let content = items[t].member
            let firstName = items[first].member.header.name
            var carrier = content
            carrier.header.name = firstName
            carrier.header.mode = items[first].member.header.mode
            items[first].member = carrier
            var link = items[t].member
            link.header.type = TarHeader.TypeFlag.hardlink
            link.header.size = 0
            link.header.linkName = firstName
            link.content = .none
            items[t].member = link
            for i in links where i != first { items[i].member.header.linkName = firstName }
        }
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
