import Foundation
import NIOCore

/// An open blob upload session on the registry.
struct UploadSession: Sendable, Equatable {
    /// The newest `Location`, resolved to an absolute URL with its query (`_state` and the like)
    /// kept: distribution encodes the offset in it and refuses an older one.
    var url: String
    /// Bytes the registry has acknowledged (by a PATCH answer or a status `Range`).
    var offset: Int64 = 0
    /// The end of the furthest byte range ever sent on this session; at most this much can be stored.
    var sent: Int64 = 0
    /// `OCI-Chunk-Min-Length` from the response that opened the session.
    var minimumChunk: Int64?
}

/// Where the bytes of a blob come from. Either way a request body covers only the bytes it sends.
enum BlobSource: Sendable {
    /// `progress` is told the blob position reached after each read of the file.
    case file(path: String, progress: UploadReporter? = nil)
    /// Small blobs (configs) already in memory.
    case data(Data)

    /// The request body for `length` bytes from `offset`.
    func body(offset: Int64, length: Int64, total: Int64) -> RegistryClient.Body {
        switch self {
        case let .file(path, progress):
            return offset == 0 && length == total ? .file(path: path, size: total, progress: progress)
                : .fileRegion(path: path, offset: offset, length: length, progress: progress)
        case let .data(data):
            let start = data.startIndex + Int(offset)
            return .data(data.subdata(in: start ..< start + Int(length)))
        }
    }
}

/// `length` bytes of a file from `offset`, as a sequence of `ByteBuffer` chunks for a streamed
/// request body. The file is opened (and seeked) on the first `next()`, so every attempt of a
/// request reads afresh.
///
/// Memory: each chunk is read straight into a fresh `ByteBuffer` (no `Data` in between to copy
/// from), and chunks are small: the HTTP client asks for the next one only when the connection
/// took the previous, so an upload holds about two chunks, and several concurrent uploads of big
/// blobs stay within a few MiB. With 1 MiB chunks read through `Data`, peak RSS of a push of
/// four ~110 MB blobs at once was ~12 MiB higher (Benchmarks, P2/P3).
struct FileRegion: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64
    var readSize = FileRegion.defaultReadSize
    /// Told the blob position reached after each read (`offset` + bytes read so far).
    var progress: (@Sendable (Int64) -> Void)? = nil

    /// Large enough that syscalls cost nothing next to the network, small enough to keep buffers
    /// (and what malloc keeps of them per thread) small.
    static let defaultReadSize = 256 << 10

    struct AsyncIterator: AsyncIteratorProtocol {
        let region: FileRegion
        var handle: FileHandle?
        var remaining: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0 else {
                try? handle?.close()
                handle = nil
                return nil
            }
            if handle == nil {
                guard let opened = FileHandle(forReadingAtPath: region.path) else {
                    throw RegistryError.io(path: region.path, reason: "cannot open for reading")
                }
                do { try opened.seek(toOffset: UInt64(region.offset)) } catch {
                    throw RegistryError.io(path: region.path, reason: "cannot seek to byte \(region.offset): \(error.localizedDescription)")
                }
                handle = opened
            }
            let want = Int(Swift.min(Int64(region.readSize), remaining))
            let fd = handle!.fileDescriptor
            var buffer = ByteBufferAllocator().buffer(capacity: want)
            var failure: Int32 = 0
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { target in
                while true {
                    let n = read(fd, target.baseAddress, want)
                    if n < 0, errno == EINTR { continue }
                    if n < 0 { failure = errno; return 0 }
                    return n
                }
            }
            if failure != 0 {
                throw RegistryError.io(path: region.path, reason: "read failed: \(String(cString: strerror(failure)))")
            }
            // The file shrank under us: the Content-Length we announced can no longer be met.
            guard count > 0 else {
                throw RegistryError.io(path: region.path, reason: "file ended \(remaining) bytes early (changed during upload?)")
            }
            remaining -= Int64(count)
            region.progress?(region.offset + region.length - remaining)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(region: self, remaining: length) }
}

/// Told the blob position (bytes from the start) reached after each read while a file blob is
/// sent. Passed explicitly down to the request body: a task-local carrying it crashed in optimized
/// builds (`swift_task_localValuePush` inside the publisher's task group).
public typealias UploadReporter = @Sendable (Int64) -> Void
