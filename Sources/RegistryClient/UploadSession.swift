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
/// request reads afresh and at most one read buffer is in memory.
struct FileRegion: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64
    var readSize = 1 << 20
    /// Told the blob position reached after each read (`offset` + bytes read so far).
    var progress: (@Sendable (Int64) -> Void)? = nil

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
                    throw RegistryError.io(path: region.path, reason: "cannot seek to byte \(region.offset): \(FileProblem.reason(error))")
                }
                handle = opened
            }
            let data = try handle!.read(upToCount: Int(Swift.min(Int64(region.readSize), remaining))) ?? Data()
            // The file shrank under us: the Content-Length we announced can no longer be met.
            guard !data.isEmpty else {
                throw RegistryError.io(path: region.path, reason: "file ended \(remaining) bytes early (changed during upload?)")
            }
            remaining -= Int64(data.count)
            region.progress?(region.offset + region.length - remaining)
            return ByteBuffer(data: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(region: self, remaining: length) }
}

/// Told the blob position (bytes from the start) reached after each read while a file blob is
/// sent. Passed explicitly down to the request body: a task-local carrying it crashed in optimized
/// builds (`swift_task_localValuePush` inside the publisher's task group).
public typealias UploadReporter = @Sendable (Int64) -> Void
