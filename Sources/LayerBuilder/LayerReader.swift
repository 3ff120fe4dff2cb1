/// Reads layers back, for tests and `winimg lint`.
public enum LayerReader {
    /// Lists entries of a tar, tar.gz or tar.zst file (compression auto-detected) with our own
    /// streaming ustar/PAX parser (zlib inflate, libzstd), including PAX records; verifies header
    /// checksums and the gzip CRC trailers or zstd frame checksums.
    /// - Throws: `LayerBuilderError.truncatedArchive` when the file ends early (including a tar
    ///   without its end-of-archive marker), `.corruptArchive` for bad checksums or fields.
    public static func entries(ofLayerAt path: String) throws -> [TarEntryInfo] {
        var reader = try TarReader(path: path)
        var result: [TarEntryInfo] = []
        while let entry = try reader.next() { result.append(entry) }
        return result
    }

    /// Content of one regular file inside the layer, or nil when no regular file has that name.
    /// `name` is compared after dropping a leading `./` and trailing `/` on both sides. Streams
    /// past other members; the returned file itself is held in memory (meant for tests).
    public static func fileContents(_ name: String, inLayerAt path: String) throws -> [UInt8]? {
        let wanted = normalizedMemberName(name)
        var reader = try TarReader(path: path)
        while let entry = try reader.next() {
            if entry.isRegularFile, normalizedMemberName(entry.name) == wanted {
                return try reader.readContent()
            }
        }
        return nil
    }
}

/// A member name without a leading `./` or `/` and without a trailing `/` (Python and GNU tar
/// write `dir/`, Go tools write `dir`; both mean the same member).
func normalizedMemberName(_ name: String) -> String {
    var s = Substring(name)
    while s.hasPrefix("./") { s = s.dropFirst(2) }
    while s.hasPrefix("/") { s = s.dropFirst() }
    while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
    return String(s)
}
