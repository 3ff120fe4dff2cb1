import Foundation
import NIOHTTP1

/// How often and how long a registry client repeats a request that failed transiently.
///
/// Delays grow exponentially from `baseDelay` up to `maxDelay`, with full jitter (a uniformly random
/// delay between 0 and the exponential bound) so clients that failed together do not retry together.
/// A `Retry-After` from the registry replaces the jittered delay. Retrying stops at `maxAttempts`
/// attempts or once the next attempt would start more than `maxElapsed` seconds after the first,
/// whichever comes first; a `Retry-After` that does not fit in the remaining time ends retrying at
/// once rather than being shortened, since an earlier retry would only be refused again.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first one included (1 = never retry).
    public var maxAttempts: Int
    /// Upper bound of the first retry's delay, in seconds.
    public var baseDelay: Double
    /// Upper bound of any jittered delay, in seconds.
    public var maxDelay: Double
    /// Seconds after the first attempt past which no retry starts.
    public var maxElapsed: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.2, maxDelay: Double = 10, maxElapsed: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxElapsed = max(0, maxElapsed)
    }

    /// One attempt only.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The exponential bound for the `retry`-th retry (1-based): `min(maxDelay, baseDelay · 2^(retry-1))`.
    func delayCeiling(retry: Int) -> Double {
        // The exponent is capped so a large attempt count cannot overflow to infinity.
        min(maxDelay, baseDelay * pow(2, Double(min(max(retry - 1, 0), 30))))
    }

    /// A full-jitter delay for the `retry`-th retry.
    func jitteredDelay(retry: Int) -> Double {
        let ceiling = delayCeiling(retry: retry)
        return ceiling > 0 ? Double.random(in: 0...ceiling) : 0
    }

    // MARK: Classification

    /// Statuses worth another try: timeouts, rate limits and gateway/server trouble. 499 (client
    /// closed request, seen from Traefik/nginx) and 522 (Cloudflare connection timed out) come from
    /// proxies in front of registries and are as transient as a 504.
    public static let transientStatuses: Set<Int> = [408, 429, 499, 500, 502, 503, 504, 522]

    /// Registry codes with which distribution 2.8 answers a manifest PUT with 500 for a permanent
    /// reason (e.g. a layer `urls` entry outside the allow-list): repeating cannot succeed, but the
    /// same 500 may also be a real hiccup, so such a PUT is repeated once only.
    static let permanentManifestCodes: Set<String> = ["MANIFEST_BLOB_UNKNOWN", "UNKNOWN"]

    /// Whether a request that got `status` should be sent again.
    ///
    /// - Parameters:
    ///   - replayable: the request may be repeated at all (see `RequestKind.isReplayable`).
    ///   - attempt: how many times this request was sent so far, the failed one included.
    static func shouldRetry(status: Int, kind: RequestKind, replayable: Bool, errors: [RegistryErrorDetail],
                            attempt: Int) -> Bool {
        guard replayable, transientStatuses.contains(status) else { return false }
        if kind == .manifestPut, status == 500,
           errors.contains(where: { permanentManifestCodes.contains($0.code) }) {
            return attempt < 2
        }
        return true
    }

    /// Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
    /// Nil when absent or unparsable; a date in the past gives 0.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? Double(seconds) : nil }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}

/// What a request does, as far as repeating it is concerned.
enum RequestKind: Sendable, Equatable {
    /// GET, HEAD, OPTIONS: no side effects.
    case read
    /// `PUT …/manifests/<ref>`: stores the same bytes under the same reference again.
    case manifestPut
    /// `PUT <upload location>?digest=`: commits an upload session.
    case uploadPut
    /// `PATCH <upload location>`: appends at the session's offset.
    case uploadPatch
    /// `POST …/blobs/uploads/`: opens a session or mounts.
    case uploadStart
    /// DELETE of a manifest, tag, blob or session.
    case delete
    /// Anything else.
    case other

    init(method: HTTPMethod, url: String) {
        let path = URLComponents(string: url)?.path ?? url
        switch method {
        case .GET, .HEAD, .OPTIONS: self = .read
        case .PUT where path.contains("/manifests/"): self = .manifestPut
        case .PUT where path.contains("/blobs/uploads/"): self = .uploadPut
        case .PATCH where path.contains("/blobs/uploads/"): self = .uploadPatch
        case .POST where path.contains("/blobs/uploads/"): self = .uploadStart
        case .DELETE: self = .delete
        default: self = .other
        }
    }

    /// Whether `send` may repeat the request on its own, given that every `Body` can be produced again.
    ///
    /// - A manifest PUT stores exact bytes under a reference: doing it twice leaves the same state.
    /// - An upload PUT `?digest=` either never reached the registry (then repeating completes it) or
    ///   committed the blob (then the session is gone and the repeat fails with 404
    ///   `BLOB_UPLOAD_UNKNOWN`, which the upload code can settle with a HEAD of the blob). Nothing
    ///   is ever stored twice or wrongly, because the registry checks the digest.
    /// - POST to `uploads/` opens a session or mounts: a duplicate session is abandoned and expires.
    /// - DELETE is idempotent (RFC 9110); a repeat after a lost answer reports 404.
    /// - PATCH appends at the session offset: after a partial transfer the registry may hold some of
    ///   the bytes, so only the upload code, which can ask for the offset, may resume it.
    var isReplayable: Bool {
        switch self {
        case .read, .manifestPut, .uploadPut, .uploadStart, .delete: return true
        case .uploadPatch, .other: return false
        }
    }
}
