import CCrypto
import Foundation
import OCIModel

/// Incremental SHA-256 over OpenSSL's EVP interface.
///
/// Internal on purpose: LayerBuilder will own the public hashing API; this copy exists so the registry
/// client can verify blobs while streaming without waiting for it. It is a class so the EVP context is
/// freed exactly once; instances never cross tasks.
final class BlobHasher {
    private let context: OpaquePointer
    private(set) var count: Int64 = 0

    init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            // Allocation failure or a crypto library without SHA-256: nothing sensible to recover.
            fatalError("OpenSSL could not initialise a SHA-256 context")
        }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
        count += Int64(bytes.count)
    }

    func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Finishes the hash. The hasher must not be used afterwards.
    func finalize() -> Digest {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        let hex = out.prefix(Int(length)).map { byte -> String in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
        // A 64-digit lowercase hex string always parses.
        return try! Digest(algorithm: "sha256", encoded: hex)
    }

    /// SHA-256 of an in-memory buffer.
    static func digest(of data: Data) -> Digest {
        let h = BlobHasher()
        h.update(data)
        return h.finalize()
    }

    /// SHA-256 and size of a file, read in 1 MiB chunks.
    static func digest(ofFile path: String) throws -> (digest: Digest, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RegistryError.io(path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        let h = BlobHasher()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw RegistryError.io(path: path, reason: "read failed: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            h.update(chunk)
        }
        return (h.finalize(), h.count)
    }
}

extension Digest {
    /// Throws `RegistryError.unsupportedDigest` unless we can compute this algorithm.
    func requireVerifiable() throws {
        guard algorithm == "sha256" else { throw RegistryError.unsupportedDigest(self) }
    }
}
