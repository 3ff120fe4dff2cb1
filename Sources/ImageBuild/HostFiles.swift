import Foundation
import LayerBuilder
import OCIModel

/// Turns `add` items into layer entries by looking at the host file system.
enum HostFiles {
    /// Expands templates, resolves the host path and walks directories.
    ///
    /// Symbolic links are kept as links in Linux layers; in Windows layers the file they point to is
    /// stored instead, because the Windows layer importer only accepts links it can resolve inside
    /// the layer (see docs/build.md).
    static func entries(for file: FileSpec, context: TemplateContext, baseDirectory: String,
                        platform: PlatformSpec) throws -> [LayerEntry] {
        let src = try context.expand(file.source, field: "--add")
        var dst = try context.expand(file.destination, field: "--add")
        let path = src.hasPrefix("/") ? src : (baseDirectory as NSString).appendingPathComponent(src)
        let followLinks = platform.os == "windows"

        guard let info = fileInfo(path, follow: followLinks) else {
            throw BuildError.sourceMissing(path: path, platform: platform.description)
        }
        if dst.hasSuffix("/") && !info.isDirectory { dst += (path as NSString).lastPathComponent }
        if !dst.hasPrefix("/") { dst = "/" + dst }

        if !info.isDirectory {
            return [try entry(at: path, info: info, destination: dst, mode: file.mode)]
        }
        // A directory: the directory itself, then everything below it, in a stable order.
        var out = [LayerEntry(path: dst, kind: .directory, mode: file.mode ?? info.mode)]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return out }
        var relatives: [String] = []
        while let rel = walker.nextObject() as? String { relatives.append(rel) }
        for rel in relatives.sorted() {
            let full = (path as NSString).appendingPathComponent(rel)
            guard let sub = fileInfo(full, follow: followLinks) else {
                // Foundation hands back names that are not UTF-8 with U+FFFD in place of the bad
                // bytes, so such a file cannot even be opened again by that name.
                if rel.unicodeScalars.contains("\u{FFFD}") {
                    throw BuildError.unsupported("a file name under \(path) is not valid UTF-8 ('\(rel)'); layer paths must be UTF-8 (Windows stores them as UTF-16): rename the file")
                }
                throw BuildError.sourceMissing(path: full, platform: platform.description)
            }
            let target = dst.hasSuffix("/") ? dst + rel : dst + "/" + rel
            out.append(try entry(at: full, info: sub, destination: target, mode: file.mode))
        }
        return out
    }

    private static func entry(at path: String, info: FileInfo, destination: String, mode: UInt32?) throws -> LayerEntry {
        if info.isDirectory { return LayerEntry(path: destination, kind: .directory, mode: mode ?? info.mode) }
        if let target = info.linkTarget { return LayerEntry(path: destination, kind: .symlink(target: target), mode: 0o777) }
        return LayerEntry(path: destination, kind: .file(source: path), mode: mode ?? info.mode)
    }

    struct FileInfo { var isDirectory: Bool; var mode: UInt32; var linkTarget: String? }

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
        return FileInfo(isDirectory: type == S_IFDIR, mode: mode, linkTarget: nil)
    }
}
