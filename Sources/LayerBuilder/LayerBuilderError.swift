/// Errors raised while building or reading layers. Each case names the path involved and, where
/// there is one, says how to fix the input.
public enum LayerBuilderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A container path cannot be used; `reason` explains why and how to fix it.
    case invalidPath(String, reason: String)
    /// Two entries resolve to the same destination (`first` and `second` are the paths as given).
    case duplicatePath(String, first: String, second: String)
    /// An entry needs `parent` to be a directory, but another entry makes it a file or symlink.
    case parentNotDirectory(path: String, parent: String)
    /// A Windows layer input path already starts with `Files/` or `Hives/`.
    case alreadyWindowsLayerForm(String)
    /// A symbolic link was given for a Windows layer.
    case symlinkInWindowsLayer(String)
    /// A symbolic link has an unusable target.
    case invalidSymlinkTarget(path: String, target: String, reason: String)
    /// `mode` has bits outside the permission bits `0o7777`.
    case invalidMode(path: String, mode: UInt32)
    /// The host file behind an entry does not exist or cannot be read.
    case sourceUnreadable(source: String, entry: String, reason: String)
    /// The host file behind an entry is not a regular file.
    case sourceNotRegularFile(source: String, entry: String)
    /// The host file changed size while the layer was being written.
    case sourceChanged(source: String, expected: Int64, actual: Int64)
    /// `SOURCE_DATE_EPOCH` is set but is not a usable number of seconds.
    case invalidSourceDateEpoch(String)
    /// A `LayerOptions` value is out of range.
    case invalidOption(String)
    /// A file system operation failed.
    case io(operation: String, path: String, reason: String)
    /// zlib reported an error while compressing or decompressing.
    case compression(String)
    /// A tar or tar.gz file is malformed (bad checksum, bad field, bad PAX record, ...).
    case corruptArchive(path: String, reason: String)
    /// A tar or tar.gz file ends early.
    case truncatedArchive(path: String, reason: String)
    /// libarchive could not read the archive.
    case libarchive(path: String, message: String)
    /// An archive given as a build input holds an entry that could write outside its destination
    /// (or one that cannot be represented); nothing of it is used.
    case unsafeArchiveEntry(archive: String, entry: String, reason: String)
    /// An archive given as a build input unpacks past `ArchiveExtractor.Limits`.
    case archiveLimit(archive: String, reason: String)
    /// A hard link names a target that is not a regular file of the same layer.
    case invalidHardLink(path: String, target: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidPath(p, reason):
            return "invalid layer path '\(p)': \(reason)"
        case let .duplicatePath(p, first, second):
            let caseOnly = first != second && first.lowercased() == second.lowercased()
            return "duplicate layer path '\(p)': entries '\(first)' and '\(second)' have the same destination"
                + (caseOnly ? " (Windows paths ignore case)" : "") + "; remove or rename one of them"
        case let .parentNotDirectory(p, parent):
            return "layer path '\(p)' needs '\(parent)' to be a directory, but another entry makes '\(parent)' a file or symlink; rename one of them"
        case let .alreadyWindowsLayerForm(p):
            return "layer path '\(p)' is already in Windows layer form (starts with Files/ or Hives/); give container paths such as '/app/x.exe', winimg adds the Files/ prefix itself"
        case let .symlinkInWindowsLayer(p):
            return "'\(p)': symbolic links are not supported in Windows layers; copy the target file instead"
        case let .invalidSymlinkTarget(p, target, reason):
            return "symbolic link '\(p)' -> '\(target)': \(reason)"
        case let .invalidMode(p, mode):
            return "layer path '\(p)': mode 0o\(String(mode, radix: 8)) has bits outside 0o7777; pass permission bits only (e.g. 0o755), the file type is set from the entry kind"
        case let .sourceUnreadable(source, entry, reason):
            return "cannot read source file '\(source)' for layer path '\(entry)': \(reason); check the path exists and is readable"
        case let .sourceNotRegularFile(source, entry):
            return "source '\(source)' for layer path '\(entry)' is not a regular file; use a directory entry for directories, or point at the file itself"
        case let .sourceChanged(source, expected, actual):
            return "source file '\(source)' changed while the layer was written (expected \(expected) bytes, found \(actual)); make sure nothing writes to it during the build and retry"
        case let .invalidSourceDateEpoch(value):
            return "SOURCE_DATE_EPOCH='\(value)' is not a non-negative integer number of seconds (e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)); fix or unset it"
        case let .invalidOption(message):
            return "invalid layer option: \(message)"
        case let .io(operation, path, reason):
            return "\(operation) '\(path)' failed: \(reason)"
        case let .compression(message):
            return "compression error: \(message)"
        case let .corruptArchive(path, reason):
            return "'\(path)' is not a valid tar layer: \(reason)"
        case let .truncatedArchive(path, reason):
            return "'\(path)' is truncated: \(reason); the download or copy was probably cut short"
        case let .libarchive(path, message):
            return "cannot read '\(path)' as an archive: \(message); check it is a complete, undamaged zip, tar, tar.gz, tar.xz or tar.zst file"
        case let .unsafeArchiveEntry(archive, entry, reason):
            return "refusing archive '\(archive)': entry '\(entry)': \(reason); repack the archive without it"
        case let .archiveLimit(archive, reason):
            return "refusing archive '\(archive)': \(reason); check it is the intended file (a compression bomb?)"
        case let .invalidHardLink(path, target, reason):
            return "hard link '\(path)' -> '\(target)': \(reason)"
        }
    }
}
