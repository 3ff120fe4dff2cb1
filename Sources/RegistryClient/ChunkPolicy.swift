import Foundation

/// What one client has learnt about how its registry accepts uploads. Lives as long as the client.
struct UploadPolicy: Sendable, Equatable {
    /// Set after the registry (or a proxy in front of it) answered 413 to a monolithic `PUT`:
    /// from then on every upload of this client goes in chunks.
    var monolithicRefused = false
}

/// Chunk sizes and the arithmetic of `Content-Range` / `Range` headers for chunked uploads.
enum ChunkPolicy {
    /// Chunk size used after a 413 when `RegistryOptions.chunkSize` is not set: at least ECR's 5 MiB
    /// part minimum, and far below the ~20 MB ACR and 100 MB Cloudflare body limits that cause the 413s.
    static let fallbackChunkSize: Int64 = 8 << 20

    /// The chunk size to use: the configured one (or the fallback), raised to the registry's
    /// `OCI-Chunk-Min-Length` because non-final chunks below it are refused.
    static func chunkSize(configured: Int?, registryMinimum: Int64?) -> Int64 {
        // A non-positive configured size would never advance; 1 byte is the smallest that does.
        let base = configured.map { Int64(max(1, $0)) } ?? fallbackChunkSize
        return max(base, registryMinimum ?? 0)
    }

    /// `Content-Range` of a PATCH: inclusive `start-end`, without the `bytes ` prefix (the spec's
    /// grammar; ACR rejects `bytes 0-N/*`). `length` must be positive.
    static func contentRange(offset: Int64, length: Int64) -> String {
        "\(offset)-\(offset + length - 1)"
    }

    /// Parses `OCI-Chunk-Min-Length`; nil when absent or not a positive integer.
    static func minimumLength(_ header: String?) -> Int64? {
        guard let header, let value = Int64(header.trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
        return value
    }

    /// The byte counts a status `Range: 0-<end>` header can mean. `0-0` is ambiguous: distribution
    /// sends it both for an empty upload and for one holding a single byte. A missing header means
    /// nothing stored. Returns nil for a header we cannot read.
    static func storedLengths(range header: String?) -> [Int64]? {
        guard var text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return [0] }
        // Tolerate `bytes=0-N` / `bytes 0-N`, which some registries send despite the spec.
        for prefix in ["bytes=", "bytes "] where text.lowercased().hasPrefix(prefix) {
            text = String(text.dropFirst(prefix.count))
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start == 0, end >= 0 else {
            return nil
        }
        return end == 0 ? [0, 1] : [end + 1]
    }

    /// Picks where to continue after an interruption: the registry's stored length if it lies
    /// between what it acknowledged (`confirmed`) and the most we ever sent on this session
    /// (`sent`). Anything else — a `Range` behind our acknowledged offset (ECR's stale `Range`), a
    /// length we never sent, or an undecidable `0-0` — returns nil: start a new session instead.
    static func resumeOffset(stored candidates: [Int64], confirmed: Int64, sent: Int64) -> Int64? {
        let plausible = candidates.filter { $0 >= confirmed && $0 <= max(confirmed, sent) }
        return plausible.count == 1 ? plausible[0] : nil
    }
}
