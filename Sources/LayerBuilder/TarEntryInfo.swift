/// One member of a tar archive as read back (after applying PAX and GNU long-name headers).
public struct TarEntryInfo: Sendable, Hashable {
    /// Member name after the PAX `path` record (or GNU long name, or ustar prefix + name).
    public var name: String
    /// ustar typeflag byte, e.g. `0x30` ('0', regular file), `0x35` ('5', directory), `0x32` ('2', symlink).
    public var type: UInt8
    /// Permission (and any other) mode bits from the header.
    public var mode: UInt32
    /// Content size in bytes (after the PAX `size` record).
    public var size: Int64
    /// Modification time, seconds since the epoch (whole seconds of a PAX `mtime`).
    public var mtime: Int64
    /// Numeric owner.
    public var uid: Int
    /// Numeric group.
    public var gid: Int
    /// Link target for symlinks and hard links (after PAX `linkpath`).
    public var linkName: String
    /// PAX records that applied to this member (global `g` records merged with its own `x` records).
    public var paxRecords: [String: String]

    /// Creates a value.
    public init(name: String, type: UInt8, mode: UInt32, size: Int64, mtime: Int64, uid: Int, gid: Int,
                linkName: String, paxRecords: [String: String]) {
        self.name = name
        self.type = type
        self.mode = mode
        self.size = size
        self.mtime = mtime
        self.uid = uid
        self.gid = gid
        self.linkName = linkName
        self.paxRecords = paxRecords
    }

    /// True for regular files (`'0'`, the old `NUL` flag, and contiguous `'7'`).
    public var isRegularFile: Bool { type == 0x30 || type == 0 || type == 0x37 }

    /// True for directories.
    public var isDirectory: Bool { type == 0x35 }
}
