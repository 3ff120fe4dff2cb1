import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// The attempts and clock of one logical operation, shared by every request made inside it.
///
/// `withRetries` installs one as a task local; `send` takes it from there (or makes its own), so a
/// retried operation that itself retries requests still stays within one `RetryPolicy` — nesting
/// never multiplies the attempt count or the time.
final class RetryBudget: @unchecked Sendable {
    @TaskLocal static var current: RetryBudget?

    let policy: RetryPolicy
    private let start = ContinuousClock.now
    private let lock = NSLock()
    private var retries = 0   // guarded by lock

    init(policy: RetryPolicy) { self.policy = policy }

    /// Attempts made so far (retries granted + the first).
    var attempts: Int { lock.withLock { retries + 1 } }

    /// Seconds since the budget was created.
    var elapsed: Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Grants one more attempt and returns the seconds to wait before it, or nil when the attempts
    /// or the time are used up. `retryAfter` (the registry's wish) replaces the jittered delay.
    func nextDelay(retryAfter: Double?) -> Double? {
        lock.withLock {
            guard retries + 1 < policy.maxAttempts else { return nil }
            let delay = retryAfter ?? policy.jitteredDelay(retry: retries + 1)
            guard elapsed + delay <= policy.maxElapsed else { return nil }
            retries += 1
            return delay
        }
    }

    /// " (gave up after N attempts in S s)" once there was more than one attempt, else "".
    var note: String {
        let n = attempts
        return n > 1 ? " (gave up after \(n) attempts in \(String(format: "%.1f", elapsed)) s)" : ""
    }
}

/// How a request that got no HTTP answer failed.
enum TransportFailure: Equatable {
    /// Reset, refused, timed out, closed early, TLS cut short: the same request may work next time.
    case transient
    /// The server's TLS certificate did not verify (unknown issuer, wrong name, expired).
    case untrustedCertificate
    /// Anything else (bad URL, not TLS at all, protocol violations): repeating will not help.
    case permanent

    init(_ error: any Error) {
        switch error {
        case let error as HTTPClientError:
            let transient: [HTTPClientError] = [.remoteConnectionClosed, .readTimeout, .writeTimeout, .connectTimeout,
                                                .deadlineExceeded, .tlsHandshakeTimeout, .uncleanShutdown,
                                                .getConnectionFromPoolTimeout]
            self = transient.contains(error) ? .transient : .permanent
        case let error as NIOSSLError:
            switch error {
            case .uncleanShutdown: self = .transient
            case let .handshakeFailed(reason):
                let text = "\(reason)".lowercased()
                if text.contains("certificate_verify_failed") || text.contains("certificate verify failed") {
                    self = .untrustedCertificate
                } else {
                    // A peer that closes during the handshake may be overloaded; one that answers
                    // with something other than TLS (wrong version number) will do so again.
                    self = text.contains("eof") ? .transient : .permanent
                }
            default: self = .permanent
            }
        case let error as NIOSSLExtraError:
            self = error == .failedToValidateHostname || error == .serverHostnameImpossibleToMatch
                ? .untrustedCertificate : .permanent
        case let error as IOError:
            let transientErrnos: Set<Int32> = [ECONNRESET, ECONNREFUSED, ECONNABORTED, EPIPE, ETIMEDOUT,
                                               ENETUNREACH, EHOSTUNREACH, ENETDOWN]
            self = transientErrnos.contains(error.errnoCode) ? .transient : .permanent
        case let error as ChannelError:
            switch error {
            case .connectTimeout, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof:
                self = .transient
            default: self = .permanent
            }
        default:
            // NIOPosix's NIOConnectionError (all addresses refused) is not visible from this module;
            // it only ever means the TCP connection could not be made.
            self = String(describing: type(of: error)) == "NIOConnectionError" ? .transient : .permanent
        }
    }
}

extension TransportFailure {
    /// A readable reason for a request that got no answer: the system's text for a socket error
    /// ("connection refused") instead of NIO's description of its own error value.
    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let http = error as? HTTPClientError {
            switch http {
            case .connectTimeout: return "connection timed out"
            case .readTimeout: return "timed out waiting for the answer"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: break
            }
        }
        if String(describing: type(of: error)) == "NIOConnectionError" { return "connection refused" }
        return "\(error)"
    }

    /// A readable reason for an untrusted certificate; BoringSSL's own text is a raw error stack.
    static func certificateReason(_ error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname || extra == .serverHostnameImpossibleToMatch {
            return "the certificate is not issued for this host name or address"
        }
        return "certificate verification failed: the chain does not lead to a trusted CA, "
            + "or the certificate has expired or does not name this host"
    }
}

extension RegistryClient {
    /// Runs `body` — one logical registry operation, e.g. "open an upload session and PUT the blob"
    /// or "GET a blob and stream it to disk" — again when it fails transiently, under
    /// `options.retry`.
    ///
    /// Use it where retrying a single request cannot help: when the response body breaks off while
    /// being streamed, or when a failed request leaves server state (an upload session) that the
    /// next try must start afresh. Requests `send`s inside `body` share the attempt count and clock
    /// with this loop, so nesting stays within one policy.
    ///
    /// Retried: `RegistryError.connectionFailed`, `RegistryError.http` with a transient status (by
    /// the same rules as `send`, so a manifest PUT refused with 500 `UNKNOWN` is not repeated
    /// again), transport errors thrown while streaming a body, and whatever `retryIf` accepts (e.g.
    /// 404 `BLOB_UPLOAD_UNKNOWN` for an upload that must restart). Never retried: cancellation,
    /// untrusted certificates, digest or size mismatches, and anything when `idempotent` is false.
    ///
    /// - Parameters:
    ///   - what: names the operation in logs and in the final error (e.g. "upload sha256:ab…").
    ///   - idempotent: whether running `body` twice is safe; false runs it exactly once.
    func withRetries<T>(_ what: String, idempotent: Bool, retryIf: ((any Error) -> Bool)? = nil,
                        _ body: () async throws -> T) async throws -> T {
        let budget = RetryBudget.current ?? RetryBudget(policy: options.retry)
        return try await RetryBudget.$current.withValue(budget) {
            while true {
                do {
                    return try await body()
                } catch {
                    guard idempotent, !Task.isCancelled, Self.isRetryable(error) || retryIf?(error) == true,
                          let delay = budget.nextDelay(retryAfter: nil) else { throw error }
                    try await Task.sleep(for: .seconds(delay))
                }
            }
        }
    }

    /// Whether `withRetries` repeats an operation that threw `error`.
    static func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError:
            return false
        case let error as RegistryError:
            switch error {
            case .connectionFailed:
                return true
            case let .http(status, method, _, path, errors, _, attempts):
                // The operation as a whole is known to be repeatable, so the method's own
                // replayability does not matter, only the status and the manifest-PUT rule.
                let kind = RequestKind(method: .init(rawValue: method), url: path)
                return RetryPolicy.shouldRetry(status: status, kind: kind, replayable: true, errors: errors,
                                               attempt: attempts)
            default:
                return false
            }
        default:
            return TransportFailure(error) == .transient
        }
    }
}
