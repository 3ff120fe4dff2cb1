import CCrypto
import Foundation
import OCIModel

/// Streaming SHA-256 over OpenSSL's EVP interface (libcrypto).
///
/// A value type with copy-on-write: copying a hasher and updating the copy leaves the original
/// untouched (the OpenSSL context is duplicated with `EVP_MD_CTX_copy_ex` on first write).
/// Not `Sendable`; use one hasher per task.
public struct SHA256Hasher {
    /// Owns the OpenSSL context so it is freed exactly once.
    private final class Context {
        let ctx: OpaquePointer

        init() {
            // Allocation failure of a few hundred bytes is not recoverable in any useful way.
            guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            self.ctx = ctx
            reset()
        }

        init(copying other: Context) {
            guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            self.ctx = ctx
            guard EVP_MD_CTX_copy_ex(ctx, other.ctx) == 1 else { fatalError("EVP_MD_CTX_copy_ex failed") }
        }

        func reset() {
            guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else { fatalError("EVP_DigestInit_ex(sha256) failed") }
        }

        deinit { EVP_MD_CTX_free(ctx) }
    }

    private var context: Context

    /// Creates a hasher for an empty message.
    public init() { context = Context() }

    private mutating func uniqueContext() -> Context {
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        return context
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let ctx = uniqueContext().ctx
        guard EVP_DigestUpdate(ctx, base, bytes.count) == 1 else { fatalError("EVP_DigestUpdate failed") }
    }

    /// Adds `data` (for example `[UInt8]` or `Data`) to the message.
    public mutating func update(_ data: some DataProtocol) {
        for region in data.regions {
            region.withUnsafeBytes { update($0) }
        }
    }

    /// Returns the digest of everything added so far and resets the hasher to an empty message.
    public mutating func finalize() -> Digest {
        let ctx = uniqueContext()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(ctx.ctx, &out, &length) == 1, length == 32 else {
            fatalError("EVP_DigestFinal_ex failed")
        }
        ctx.reset()
        return Digest.sha256(bytes: out[0..<32])
    }
}

extension Digest {
    /// A `sha256:` digest from 32 raw bytes.
    static func sha256(bytes: some Collection<UInt8>) -> Digest {
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for b in bytes {
            hex.append(hexDigits[Int(b >> 4)])
            hex.append(hexDigits[Int(b & 0x0f)])
        }
        // 64 lowercase hex digits always satisfy Digest's validation.
        return try! Digest(sha256Hex: String(decoding: hex, as: UTF8.self))
    }
}

/// One-shot SHA-256 helpers.
public enum SHA256Digest {
    /// The `sha256:` digest of `data`.
    public static func of(_ data: some DataProtocol) -> Digest {
        var hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The `sha256:` digest and byte size of the file at `path`, read in 1 MiB chunks.
    /// - Throws: `LayerBuilderError.io` when the file cannot be opened or read.
    public static func ofFile(at path: String) throws -> (digest: Digest, size: Int64) {
        let file = try POSIXFile.openForReading(path)
        var hasher = SHA256Hasher()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: streamChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            size += Int64(n)
        }
        return (hasher.finalize(), size)
    }
}
