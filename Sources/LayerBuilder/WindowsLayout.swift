/// Names and values of the Windows container layer format (the hcsshim layer import format).
///
/// A Windows layer holds two top-level directories, `Hives` (registry deltas, may be empty) and
/// `Files` (the container's `C:\`), before anything else. Every file system entry lives under
/// `Files/`, each parent directory appears before its children (hcsshim creates entries relative
/// to the import root and does not create missing parents), and each entry carries a security
/// descriptor in the PAX record `MSWINDOWS.rawsd`.
public enum WindowsLayout {
    /// Top-level directory holding the container file system.
    public static let filesRoot = "Files"
    /// Top-level directory holding registry hive deltas.
    public static let hivesRoot = "Hives"
    /// Mode of the two root directories. Windows only maps 0222/0444/0666-style bits; 0555 is what
    /// go-containerregistry and ko write, so our layers match theirs.
    static let rootMode: UInt32 = 0o555
    /// PAX record key of the base64 self-relative security descriptor.
    public static let rawSecurityDescriptorKey = "MSWINDOWS.rawsd"
    /// Security descriptor owner/group BUILTIN\Users with no DACL (a null DACL grants everyone full
    /// access), so the low-privilege `ContainerUser` can read and execute the files. Same value as
    /// go-containerregistry (`crane append`) and ko.
    public static let defaultRawSecurityDescriptor =
        "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA=="

    /// Tar name of a normalised container path.
    static func tarName(for path: LayerPath) -> String { filesRoot + "/" + path.joined }

    /// The `Hives` and `Files` root members, in that order (ko's order; go-containerregistry
    /// writes `Files` first, hcsshim accepts either).
    static func rootHeaders(mtime: Int64) -> [TarHeader] {
        [hivesRoot, filesRoot].map {
            TarHeader(name: $0, type: TarHeader.TypeFlag.directory, mode: rootMode, mtime: mtime)
        }
    }
}
