import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What tells, without reading it, that a cached blob file is the one last checked: its inode,
/// size and change time. The kernel moves the change time on every write, rename or attribute
/// change and no call can set it back, so rewriting a blob in place (even keeping its size and
/// modification time) always shows. A cache that reads every blob again on each hit would spend
/// most of a no-op rebuild hashing; this keeps the check for blobs that could have changed.
struct BlobState: Codable, Equatable, Sendable {
    var inode: UInt64
    var size: Int64
    var changeSeconds: Int64
    var changeNanoseconds: Int64

    init(_ st: stat) {
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        changeSeconds = Int64(st.st_ctim.tv_sec)
        changeNanoseconds = Int64(st.st_ctim.tv_nsec)
    }

    /// The state of the file at `path`, nil when it cannot be read.
    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        self.init(st)
    }
}
