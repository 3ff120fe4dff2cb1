import Foundation
import LayerBuilder
import NIOCore
import OCIModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file-system helpers shared by the registry client and the OCI layout code.
enum FileOps {
    /// A fresh path in the same directory as `path`, so a final `rename` is atomic.
    /// The name carries this process's id (`.<name>.tmp-<pid>-<random>`) so that a later run can
    /// tell debris of a killed run (its pid is gone) from a file another live run is writing.
    /// `directory` puts the temp file elsewhere on the same file system (the OCI layout writer
    /// keeps them out of `blobs/sha256`, where readers take every file for a blob).
    static func tempPath(beside path: String, in directory: String? = nil) -> String {
        let dir = directory ?? (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        return (dir.isEmpty ? "." : dir) + "/.\(name)\(tempMarker())"
    }

    /// `.tmp-<pid>-<random>`: the suffix of every temporary file or directory this process makes.
    static func tempMarker() -> String {
        ".tmp-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Removes entries of `directory` named `<stem>.tmp-<pid>-<random>` whose process no longer
    /// exists: what a run killed mid-write (SIGKILL, power loss) left behind. `stem` decides which
    /// names are ours (a layout's name for its staging directory; dot-names for temp files).
    /// Entries of live processes, including this one, are kept. Returns the names removed.
    @discardableResult
    static func removeStaleTemps(in directory: String, stem: (Substring) -> Bool) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let range = name.range(of: ".tmp-", options: .backwards), stem(name[..<range.lowerBound]) else { continue }
            let rest = name[range.upperBound...]
            guard let dash = rest.firstIndex(of: "-"), rest[rest.index(after: dash)...].count == 8,
                  let pid = Int32(rest[..<dash]), pid > 0, !processExists(pid) else { continue }
            remove(directory + "/" + name)
            removed.append(name)
        }
        return removed
    }

    /// True when a process with this id exists (EPERM: it exists but belongs to someone else).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RegistryError.io(path: path, reason: "cannot create directory: \(FileProblem.reason(error))")
        }
    }

    /// `rename(2)`: atomic within one file system, replaces an existing file.
    static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else {
            let reason = String(cString: strerror(errno))
            throw RegistryError.io(path: to, reason: "cannot rename \(from) into place: \(reason)")
        }
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `data` to a temp file beside `path` and renames it into place.
    static func writeAtomically(_ data: Data, to path: String, tempDirectory: String? = nil) throws {
        let tmp = tempPath(beside: path, in: tempDirectory)
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
        } catch {
            remove(tmp)
            throw RegistryError.io(path: path, reason: "cannot write: \(FileProblem.reason(error))")
        }
        do { try rename(tmp, to: path) } catch { remove(tmp); throw error }
    }

    /// SHA-256 of a file, read in chunks; read failures become `RegistryError.io`.
    static func sha256(ofFile path: String) throws -> Digest {
        do { return try SHA256Digest.ofFile(at: path).digest } catch {
            throw RegistryError.io(path: path, reason: "\(error)")
        }
    }

    /// Places a copy of `source` at `destination` whose content hashes to `digest`: hard link when
    /// possible (same file system, blobs are immutable), else a copy hashed while copying. The target
    /// appears atomically or not at all.
    static func placeVerified(from source: String, to destination: String, digest: Digest, allowLink: Bool = true,
                              tempDirectory: String? = nil) throws {
        try digest.requireVerifiable()
        let tmp = tempPath(beside: destination, in: tempDirectory)
        do {
            if allowLink, link(source, tmp) == 0 {
                let actual = try FileOps.sha256(ofFile: tmp)
                guard actual == digest else {
                    throw RegistryError.digestMismatch(expected: digest, actual: actual, context: source)
                }
            } else {
                try copyHashing(from: source, to: tmp, digest: digest)
            }
            try rename(tmp, to: destination)
        } catch {
            remove(tmp)
            throw error
        }
    }

    private static func copyHashing(from source: String, to destination: String, digest: Digest) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw RegistryError.io(path: source, reason: "cannot open for reading")
        }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw RegistryError.io(path: destination, reason: "cannot create file")
        }
        defer { try? output.close() }
        var hasher = SHA256Hasher()
        do {
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(chunk)
                try output.write(contentsOf: chunk)
            }
        } catch {
            throw RegistryError.io(path: destination, reason: "copy failed: \(FileProblem.reason(error))")
        }
        let actual = hasher.finalize()
        guard actual == digest else {
            throw RegistryError.digestMismatch(expected: digest, actual: actual, context: source)
        }
    }
}

/// Writes a stream of chunks to a temp file while hashing, then renames it to the target only if the
/// digest matches. Used for blob downloads; internal but testable with any `AsyncSequence`.
struct VerifyingFileWriter {
    let destination: String
    let expected: Digest
    private let tmp: String
    private let handle: FileHandle
    private var hasher = SHA256Hasher()
    private var count: Int64 = 0

    init(destination: String, expected: Digest) throws {
        try expected.requireVerifiable()
        self.destination = destination
        self.expected = expected
        tmp = FileOps.tempPath(beside: destination)
        guard FileManager.default.createFile(atPath: tmp, contents: nil),
              let h = FileHandle(forWritingAtPath: tmp) else {
            throw RegistryError.io(path: destination, reason: "cannot create temporary file beside it")
        }
        handle = h
    }

    mutating func write(_ buffer: ByteBuffer) throws {
        count += Int64(buffer.readableBytes)
        try buffer.withUnsafeReadableBytes { bytes in
            hasher.update(bytes)
            do { try handle.write(contentsOf: bytes) } catch {
                throw RegistryError.io(path: tmp, reason: "write failed: \(FileProblem.reason(error))")
            }
        }
    }

    /// Verifies and renames into place; on any failure nothing is left behind.
    mutating func finish(context: String) throws -> Int64 {
        try? handle.close()
        let actual = hasher.finalize()
        guard actual == expected else {
            FileOps.remove(tmp)
            throw RegistryError.digestMismatch(expected: expected, actual: actual, context: context)
        }
        do { try FileOps.rename(tmp, to: destination) } catch { FileOps.remove(tmp); throw error }
        return count
    }

    func discard() {
        try? handle.close()
        FileOps.remove(tmp)
    }

    /// Streams a whole sequence through a writer.
    static func write<S: AsyncSequence>(_ chunks: S, to destination: String, expected: Digest,
                                        context: String) async throws -> Int64 where S.Element == ByteBuffer {
        var writer = try VerifyingFileWriter(destination: destination, expected: expected)
        do {
            for try await chunk in chunks { try writer.write(chunk) }
        } catch {
            writer.discard()
            throw error
        }
        return try writer.finish(context: context)
    }
}

// NIOFoundationCompat is not a dependency of this module; these two conversions are all we need.
extension Data {
    init(buffer: ByteBuffer) { self.init(buffer.readableBytesView) }
}

extension ByteBuffer {
    init(data: Data) { self.init(bytes: data) }
}
