import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
@testable import RegistryClient

/// One row of the retry decision table.
struct RetryCase: Sendable, CustomTestStringConvertible {
    var status: Int
    var method: HTTPMethod
    var path: String
    var codes: [String] = []
    var attempt: Int = 1
    var retry: Bool

    var testDescription: String {
        "\(status) \(method.rawValue) \(path) \(codes) attempt \(attempt) → \(retry ? "retry" : "stop")"
    }

    static let manifest = "/v2/a/manifests/v1"
    static let upload = "/v2/a/blobs/uploads/u1"
    static let blob = "/v2/a/blobs/sha256:00"

    static let table: [RetryCase] = [
        // Transient statuses on safe requests.
        RetryCase(status: 408, method: .GET, path: manifest, retry: true),
        RetryCase(status: 429, method: .HEAD, path: blob, retry: true),
        RetryCase(status: 499, method: .GET, path: blob, retry: true),
        RetryCase(status: 500, method: .GET, path: blob, retry: true),
        RetryCase(status: 502, method: .GET, path: blob, retry: true),
        RetryCase(status: 503, method: .DELETE, path: manifest, retry: true),
        RetryCase(status: 504, method: .GET, path: "/v2/", retry: true),
        RetryCase(status: 522, method: .GET, path: manifest, retry: true),
        // Other statuses never.
        RetryCase(status: 400, method: .GET, path: manifest, retry: false),
        RetryCase(status: 401, method: .GET, path: manifest, retry: false),
        RetryCase(status: 403, method: .GET, path: blob, retry: false),
        RetryCase(status: 404, method: .HEAD, path: blob, retry: false),
        RetryCase(status: 405, method: .PUT, path: manifest, retry: false),
        RetryCase(status: 413, method: .PUT, path: upload, retry: false),
        RetryCase(status: 416, method: .PATCH, path: upload, retry: false),
        RetryCase(status: 501, method: .GET, path: manifest, retry: false),
        RetryCase(status: 505, method: .GET, path: manifest, retry: false),
        // Replayable writes.
        RetryCase(status: 503, method: .PUT, path: manifest, retry: true),
        RetryCase(status: 502, method: .PUT, path: upload, retry: true),
        RetryCase(status: 429, method: .POST, path: "/v2/a/blobs/uploads/", retry: true),
        // PATCH appends: never repeated by send.
        RetryCase(status: 503, method: .PATCH, path: upload, retry: false),
        RetryCase(status: 500, method: .POST, path: "/v2/a/other", retry: false),
        // Manifest PUT 500 with a permanent-looking code: once, not more.
        RetryCase(status: 500, method: .PUT, path: manifest, codes: ["MANIFEST_BLOB_UNKNOWN"], attempt: 1, retry: true),
        RetryCase(status: 500, method: .PUT, path: manifest, codes: ["MANIFEST_BLOB_UNKNOWN"], attempt: 2, retry: false),
        RetryCase(status: 500, method: .PUT, path: manifest, codes: ["UNKNOWN"], attempt: 2, retry: false),
        RetryCase(status: 500, method: .PUT, path: manifest, codes: [], attempt: 2, retry: true),
        RetryCase(status: 500, method: .PUT, path: upload, codes: ["UNKNOWN"], attempt: 3, retry: true),
        RetryCase(status: 503, method: .PUT, path: manifest, codes: ["UNKNOWN"], attempt: 3, retry: true),
    ]
}

@Suite("Retry policy (unit)")
struct RetryPolicyTests {
    @Test(arguments: RetryCase.table)
    func classification(_ c: RetryCase) {
        let kind = RequestKind(method: c.method, url: "http://127.0.0.1:5000" + c.path)
        let errors = c.codes.map { RegistryErrorDetail(code: $0) }
        #expect(RetryPolicy.shouldRetry(status: c.status, kind: kind, replayable: kind.isReplayable, errors: errors,
                                        attempt: c.attempt) == c.retry)
    }

    @Test(arguments: [
        (HTTPMethod.GET, "/v2/a/manifests/v1", RequestKind.read), (.HEAD, "/v2/a/blobs/sha256:0", .read),
        (.PUT, "/v2/a/manifests/sha256:0", .manifestPut), (.PUT, "/v2/a/blobs/uploads/u?_state=x&digest=y", .uploadPut),
        (.PATCH, "/v2/a/blobs/uploads/u", .uploadPatch), (.POST, "/v2/a/blobs/uploads/?mount=x&from=y", .uploadStart),
        (.DELETE, "/v2/a/manifests/sha256:0", .delete), (.POST, "/token", .other),
    ])
    func requestKind(_ method: HTTPMethod, _ path: String, _ kind: RequestKind) {
        #expect(RequestKind(method: method, url: "https://r.example" + path) == kind)
    }

    @Test func fullJitterStaysUnderTheExponentialCeiling() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.2, maxDelay: 1.5, maxElapsed: 60)
        #expect(policy.delayCeiling(retry: 1) == 0.2)
        #expect(policy.delayCeiling(retry: 2) == 0.4)
        #expect(policy.delayCeiling(retry: 3) == 0.8)
        #expect(policy.delayCeiling(retry: 4) == 1.5)
        #expect(policy.delayCeiling(retry: 1000) == 1.5)
        let samples = (0..<500).map { _ in policy.jitteredDelay(retry: 3) }
        #expect(samples.allSatisfy { $0 >= 0 && $0 <= 0.8 })
        // Full jitter spreads over the whole range rather than clustering at the ceiling.
        #expect(samples.contains { $0 < 0.4 } && samples.contains { $0 > 0.4 })
        #expect(RetryPolicy() == RetryPolicy(maxAttempts: 5, baseDelay: 0.2, maxDelay: 10, maxElapsed: 60))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    @Test func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 784_111_777)   // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryPolicy.retryAfter("1") == 1)
        #expect(RetryPolicy.retryAfter(" 120 ") == 120)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10)
        #expect(RetryPolicy.retryAfter("Sunday, 06-Nov-94 08:49:57 GMT", now: now) == 20)
        #expect(RetryPolicy.retryAfter("Sun Nov  6 08:49:39 1994", now: now) == 2)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)   // past: at once
        #expect(RetryPolicy.retryAfter("-5") == nil)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter(nil) == nil)
    }

    @Test func budgetBoundsAttemptsAndTime() {
        let byCount = RetryBudget(policy: RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0, maxElapsed: 60))
        #expect(byCount.nextDelay(retryAfter: nil) == 0)
        #expect(byCount.nextDelay(retryAfter: nil) == 0)
        #expect(byCount.nextDelay(retryAfter: nil) == nil)
        #expect(byCount.attempts == 3)

        let byTime = RetryBudget(policy: RetryPolicy(maxAttempts: 100, baseDelay: 1, maxDelay: 1, maxElapsed: 5))
        #expect(byTime.nextDelay(retryAfter: 4) == 4)
        // A Retry-After beyond the remaining time ends retrying rather than being shortened.
        #expect(byTime.nextDelay(retryAfter: 30) == nil)
        #expect(byTime.attempts == 2)
        #expect(RetryBudget(policy: .never).nextDelay(retryAfter: nil) == nil)
    }

    @Test(arguments: [
        (HTTPClientError.remoteConnectionClosed as any Error, TransportFailure.transient),
        (HTTPClientError.readTimeout, .transient), (HTTPClientError.deadlineExceeded, .transient),
        (HTTPClientError.connectTimeout, .transient), (HTTPClientError.uncleanShutdown, .transient),
        (NIOSSLError.uncleanShutdown, .transient),
        (IOError(errnoCode: ECONNRESET, reason: "read"), .transient),
        (IOError(errnoCode: ECONNREFUSED, reason: "connect"), .transient),
        (IOError(errnoCode: EACCES, reason: "open"), .permanent),
        (ChannelError.ioOnClosedChannel, .transient), (ChannelError.eof, .transient),
        (NIOSSLExtraError.failedToValidateHostname, .untrustedCertificate),
        (HTTPClientError.invalidURL, .permanent), (HTTPClientError.cancelled, .permanent),
        (CocoaError(.fileNoSuchFile), .permanent),
    ] as [(any Error, TransportFailure)])
    func transportFailureClassification(_ error: any Error, _ expected: TransportFailure) {
        #expect(TransportFailure(error) == expected)
    }

    @Test func operationLevelRetryability() {
        let http = { (status: Int, method: String, path: String, codes: [String], attempts: Int) in
            RegistryError.http(status: status, method: method, host: "h", path: path,
                               errors: codes.map { RegistryErrorDetail(code: $0) }, body: nil, attempts: attempts)
        }
        #expect(RegistryClient.isRetryable(RegistryError.connectionFailed(method: "GET", host: "h", path: "/", reason: "reset")))
        // A PATCH that got a 503 cannot be repeated alone, but the whole operation can.
        #expect(RegistryClient.isRetryable(http(503, "PATCH", "/v2/a/blobs/uploads/u", [], 1)))
        #expect(!RegistryClient.isRetryable(http(404, "PUT", "/v2/a/blobs/uploads/u", ["BLOB_UPLOAD_UNKNOWN"], 1)))
        #expect(!RegistryClient.isRetryable(http(500, "PUT", "/v2/a/manifests/v1", ["MANIFEST_BLOB_UNKNOWN"], 2)))
        #expect(!RegistryClient.isRetryable(RegistryError.untrustedCertificate(host: "h", reason: "x")))
        #expect(!RegistryClient.isRetryable(CancellationError()))
        #expect(RegistryClient.isRetryable(HTTPClientError.remoteConnectionClosed))
        #expect(!RegistryClient.isRetryable(RegistryError.sizeMismatch(expected: 1, actual: 2, context: "c")))
    }

    @Test func errorTextNamesStatusCodeAttemptsButNoQueryOrCredentials() {
        let (host, path) = RegistryClient.display("https://user:pw@r.example:5000/v2/a/blobs/uploads/u?_state=SECRET&digest=sha256:00")
        let error = RegistryError.http(status: 503, method: "PUT", host: host, path: path,
                                       errors: [RegistryErrorDetail(code: "UNAVAILABLE", message: "try later")], body: nil, attempts: 5)
        #expect(error.description == "PUT r.example:5000/v2/a/blobs/uploads/u failed: HTTP 503: UNAVAILABLE: try later (gave up after 5 attempts)")
        #expect(!error.description.contains("SECRET") && !error.description.contains("pw"))
        let single = RegistryError.http(status: 400, method: "GET", host: "h", path: "/p", errors: [], body: "bad")
        #expect(single.description == "GET h/p failed: HTTP 400: bad")
    }
}
