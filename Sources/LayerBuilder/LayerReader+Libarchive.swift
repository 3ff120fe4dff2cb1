import CArchive

extension LayerReader {
    /// Same listing through libarchive (an independent reader). libarchive does not expose PAX
    /// vendor records such as `MSWINDOWS.rawsd`, so `paxRecords` is always empty here; `type` is
    /// derived from libarchive's file type (`'1'` for hard links).
    /// - Throws: `LayerBuilderError.libarchive` with libarchive's message.
    public static func entriesViaLibarchive(ofLayerAt path: String) throws -> [TarEntryInfo] {
        guard let archive = archive_read_new() else {
            throw LayerBuilderError.libarchive(path: path, message: "archive_read_new failed")
        }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_tar(archive)
        func failure(_ fallback: String) -> LayerBuilderError {
            .libarchive(path: path, message: archive_error_string(archive).map { String(cString: $0) } ?? fallback)
        }
        guard archive_read_open_filename(archive, path, streamChunkSize) == ARCHIVE_OK else {
            throw failure("cannot open")
        }
        var result: [TarEntryInfo] = []
        var entry: OpaquePointer?
        while true {
            let rc = archive_read_next_header(archive, &entry)
            if rc == ARCHIVE_EOF { break }
            // ARCHIVE_WARN still yields a usable entry (e.g. unknown PAX keywords).
            guard rc == ARCHIVE_OK || rc == ARCHIVE_WARN, let e = entry else { throw failure("read error \(rc)") }
            let name = archive_entry_pathname_utf8(e).map { String(cString: $0) }
                ?? archive_entry_pathname(e).map { String(cString: $0) } ?? ""
            let hardlink = archive_entry_hardlink(e).map { String(cString: $0) }
            let symlink = archive_entry_symlink(e).map { String(cString: $0) }
            result.append(TarEntryInfo(
                name: name,
                type: hardlink != nil ? 0x31 : typeFlag(forFileType: UInt32(archive_entry_filetype(e))),
                mode: UInt32(archive_entry_perm(e)),
                size: archive_entry_size(e),
                mtime: Int64(archive_entry_mtime(e)),
                uid: Int(archive_entry_uid(e)),
                gid: Int(archive_entry_gid(e)),
                linkName: hardlink ?? symlink ?? "",
                paxRecords: [:]))
            guard archive_read_data_skip(archive) == ARCHIVE_OK else { throw failure("cannot skip member data") }
        }
        return result
    }

    /// Maps a `stat`-style file type (libarchive's `AE_IF*`, which are not importable macros) to
    /// the ustar typeflag.
    private static func typeFlag(forFileType type: UInt32) -> UInt8 {
        switch type {
        case 0o100000: return 0x30  // AE_IFREG
        case 0o120000: return 0x32  // AE_IFLNK
        case 0o020000: return 0x33  // AE_IFCHR
        case 0o060000: return 0x34  // AE_IFBLK
        case 0o040000: return 0x35  // AE_IFDIR
        case 0o010000: return 0x36  // AE_IFIFO
        default: return 0x3F        // '?': unknown to us
        }
    }
}
