import Foundation
import LayerBuilder
import OCIModel

/// Turns `add` items into layer entries by looking at the host file system.
///
/// Link policy (docs/build.md, "Links"):
/// - A path named by `--add` itself is followed when it is a symbolic link (as `COPY` does).
/// - Inside an added directory, Linux layers keep symbolic links as links; Windows layers store the
///   file a link points to, because the Windows importer turns links into reparse points that tools
///   resolve differently (the `Files\` prefix problem of buildx). Such a link must stay inside the
///   added directory and point to a file: links that escape, dangle, loop or name a directory are
///   refused with the link named.
/// - Hard links between files of one added directory stay hard links in both formats (Windows
///   layers name the target with its `Files/` prefix, which is what the importer accepts).
enum HostFiles {
    /// Expands templates, resolves the host path, unpacks archives and walks directories.
    static func entries(for file: FileSpec, context: TemplateContext, baseDirectory: String,
                        platform: PlatformSpec, cacheRoot: String) throws -> [LayerEntry] {
        let src = try context.expand(file.source, field: "--add")
        var dst = try context.expand(file.destination, field: "--add")
        var path = src.hasPrefix("/") ? src : (baseDirectory as NSString).appendingPathComponent(src)
        let windows = platform.os == "windows"

        // The named source itself is always followed.
        guard var info = fileInfo(path, follow: true) else {
            throw BuildError.sourceMissing(path: path, platform: platform.description)
        }
        if file.extractsArchive(destination: dst) {
            guard !info.isDirectory else {
                throw BuildError.archive(path: path, reason: "it is a directory; 'archive:' takes a .zip, .tar, .tar.gz or .tar.xz file")
            }
            path = try HostArchive.extracted(path, cacheRoot: cacheRoot)
            info = fileInfo(path, follow: true) ?? info
            if !dst.hasSuffix("/") { dst += "/" }
        }
        if dst.hasSuffix("/") && !info.isDirectory { dst += (path as NSString).lastPathComponent }
        if !dst.hasPrefix("/") { dst = "/" + dst }

        if !info.isDirectory {
            return [LayerEntry(path: dst, kind: .file(source: path), mode: file.mode ?? info.mode)]
        }
        // A directory: the directory itself, then everything below it, in a stable order.
        var out = [LayerEntry(path: dst, kind: .directory, mode: file.mode ?? info.mode)]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return out }
        var relatives: [String] = []
        while let rel = walker.nextObject() as? String { relatives.append(rel) }
        let root = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var firstOfInode: [FileID: String] = [:]
        for rel in relatives.sorted() {
            let full = (path as NSString).appendingPathComponent(rel)
            guard var sub = fileInfo(full, follow: false) else {
                // Foundation hands back names that are not UTF-8 with U+FFFD in place of the bad
                // bytes, so such a file cannot even be opened again by that name.
                if rel.unicodeScalars.contains("\u{FFFD}") {
                    throw BuildError.unsupported("a file name under \(path) is not valid UTF-8 ('\(rel)'); layer paths must be UTF-8 (Windows stores them as UTF-16): rename the file")
                }
                throw BuildError.sourceMissing(path: full, platform: platform.description)
            }
            let target = dst.hasSuffix("/") ? dst + rel : dst + "/" + rel
            if let link = sub.linkTarget {
                if !windows {
                    out.append(LayerEntry(path: target, kind: .symlink(target: link), mode: 0o777))
                    continue
                }
                sub = try resolvedForWindows(full, link: link, root: root)
            }
            if sub.isDirectory {
                out.append(LayerEntry(path: target, kind: .directory, mode: file.mode ?? sub.mode))
            } else if sub.links > 1, let first = firstOfInode[sub.id] {
                out.append(LayerEntry(path: target, kind: .hardlink(target: first), mode: file.mode ?? sub.mode))
            } else {
                if sub.links > 1 { firstOfInode[sub.id] = target }
                out.append(LayerEntry(path: target, kind: .file(source: full), mode: file.mode ?? sub.mode))
            }
        }
        return out
    }

    /// What a symbolic link inside an added directory stores in a Windows layer: the file it points
    /// to, which must exist inside the directory and not be a directory.
    private static func resolvedForWindows(_ full: String, link: String, root: String) throws -> FileInfo {
        var st = stat()
        if stat(full, &st) != 0 {
            let why = errno == ELOOP
                ? "it is part of a loop of symbolic links"
                : "its target does not exist (a dangling link)"
            throw BuildError.hostLink(path: full, target: link, reason: "\(why); remove the link or point it at a file")
        }
        let resolved = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
        guard resolved == root || resolved.hasPrefix(root + "/") else {
            throw BuildError.hostLink(path: full, target: link, reason: "it points outside the added directory (to \(resolved)); Windows layers store a link's target file, which must be part of what is added: copy the file in or add it separately")
        }
        guard st.st_mode & S_IFMT != S_IFDIR else {
            throw BuildError.hostLink(path: full, target: link, reason: "it points to a directory; Windows layers cannot hold directory links: add the directory itself under this name")
        }
        guard var info = fileInfo(full, follow: true) else {
            throw BuildError.hostLink(path: full, target: link, reason: "its target cannot be read")
        }
        info.links = 1  // a copy of the target, not one more name of it
        return info
    }

    struct FileID: Hashable { var device: UInt64; var inode: UInt64 }

    struct FileInfo {
        var isDirectory: Bool
        var mode: UInt32
        var linkTarget: String?
        var links: Int = 1
        var id = FileID(device: 0, inode: 0)
    }

    private static func fileInfo(_ path: String, follow: Bool) -> FileInfo? {
        var st = stat()
        let rc = follow ? stat(path, &st) : lstat(path, &st)
        guard rc == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        let mode = UInt32(st.st_mode & 0o7777)
        if type == S_IFLNK {
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
            return FileInfo(isDirectory: false, mode: mode, linkTarget: target ?? "")
        }
        return FileInfo(isDirectory: type == S_IFDIR, mode: mode, linkTarget: nil,
                        links: type == S_IFREG ? Int(st.st_nlink) : 1,
                        id: FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
    }
}
