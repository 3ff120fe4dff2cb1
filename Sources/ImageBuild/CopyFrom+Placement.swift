import Foundation
import LayerBuilder

/// Where `copy-from` puts what it found (the rule docs/build.md states).
///
/// Without `dst` each path stays where it is in the source. With a `dst` folder each path keeps
/// the names after its request's anchor: a file or directory named exactly keeps its own name
/// (`path=/Windows/System32/WindowsPowerShell,dst=/Windows/System32/` gives
/// `/Windows/System32/WindowsPowerShell/…`), a pattern keeps what its wildcards matched
/// (`path=/Windows/System32/**/*.mui,dst=/mui/` gives `/mui/en-US/nltest.exe.mui`). One exact
/// path with a `dst` not ending in `/` takes that name: a file is renamed, a directory's contents
/// land in `dst`.
struct CopyPlacement {
    let search: LayerSearch
    let destination: String?
    let image: String

    /// - Throws: `BuildError.copySource` when two different source paths land on one destination.
    func entries(for files: [CachedFile]) throws -> [LayerEntry] {
        let windows = search.format == .windows
        // Parents first, so every path below a Windows folder uses the spelling it was placed with
        // (layers may spell one folder differently; Windows treats them as one).
        let ordered = files.sorted { ($0.path.split(separator: "/").count, $0.path) < ($1.path.split(separator: "/").count, $1.path) }
        var spelling: [String: Substring] = [:]
        var taken: [String: CachedFile] = [:]
        var out: [LayerEntry] = []
        out.reserveCapacity(files.count)
        for f in ordered {
            var dst = destination(of: f)
            if windows { dst = canonical(dst, &spelling) }
            let k = windows ? dst.uppercased() : dst
            if let other = taken[k] {
                if other.directory == true && f.directory == true { continue }
                throw BuildError.copySource(image: image, reason:
                    "'/\(other.path)' and '/\(f.path)' would both be written to \(dst)" + (windows ? " (Windows names ignore case)" : "")
                    + "; give them separate copy-from entries with different dst, or drop one of the paths")
            }
            taken[k] = f
            if f.directory == true {
                out.append(LayerEntry(path: dst, kind: .directory, mode: f.mode == 0 ? 0o755 : f.mode))
            } else if let target = f.symlink {
                out.append(LayerEntry(path: dst, kind: .symlink(target: target), mode: 0o777))
            } else {
                out.append(LayerEntry(path: dst, kind: .file(source: f.file ?? ""), mode: f.mode == 0 ? 0o755 : f.mode))
            }
        }
        return out
    }

    /// `copied` appended to a platform's `entries`, less the folders an earlier entry already
    /// makes (an added folder, another copy's tree): the folder is kept as that entry made it and
    /// the trees merge, where two directory entries with different modes would be refused. A
    /// copied file an earlier entry already writes with the same bytes is taken once.
    /// - Throws: `BuildError.copySource` naming the destination when an earlier entry writes
    ///   something else there.
    static func merge(_ copied: [LayerEntry], into entries: [LayerEntry], windows: Bool, image: String) throws -> [LayerEntry] {
        func plain(_ path: String) -> String { path.split(separator: "/").joined(separator: "/") }
        func key(_ path: String) -> String { windows ? plain(path).uppercased() : plain(path) }
        var earlier: [String: LayerEntry] = [:]
        for e in entries { earlier[key(e.path)] = e }
        var out = entries
        for c in copied {
            guard let e = earlier[key(c.path)] else { out.append(c); continue }
            switch (e.kind, c.kind) {
            case (.directory, .directory):
                continue
            case let (.file(a), .file(b)) where FileManager.default.contentsEqual(atPath: a, andPath: b):
                continue
            default:
                throw BuildError.copySource(image: image, reason:
                    "it would write \(c.path), which an earlier add or copy-from entry already writes"
                    + (plain(e.path) != plain(c.path) ? " as \(e.path) (Windows names ignore case)" : "")
                    + "; give this copy-from entry another dst, or drop the path from one of the entries")
            }
        }
        return out
    }

    private var renamesOne: Bool {
        search.requests.count == 1 && search.isExact(0) && destination.map { !$0.hasSuffix("/") } == true
    }

    private func destination(of f: CachedFile) -> String {
        guard let d = destination else { return "/" + f.path }
        let names = f.path.split(separator: "/")
        let kept = names.dropFirst(min(search.anchor(of: f.request), names.count - 1))
        if renamesOne { return ([Substring(d)] + kept.dropFirst()).joined(separator: "/") }
        return (d.hasSuffix("/") ? d : d + "/") + kept.joined(separator: "/")
    }

    /// `path` with each folder spelled as the first path placed below it spelled it.
    private func canonical(_ path: String, _ spelling: inout [String: Substring]) -> String {
        var folded = ""
        var names: [Substring] = []
        for name in path.split(separator: "/") {
            folded += "/" + name.uppercased()
            if let known = spelling[folded] { names.append(known) } else { spelling[folded] = name; names.append(name) }
        }
        return "/" + names.joined(separator: "/")
    }
}
