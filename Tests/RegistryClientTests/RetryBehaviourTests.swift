import Foundation
import NIOHTTP1
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

/// A request the client makes in a test, and the rule that hits it.
enum ProbeOperation: String, Sendable, CaseIterable {
    case getManifest, headBlob, getBlob, putManifest, patchUpload

    var method: String {
        switch self {
        case .getManifest, .getBlob: return "GET"
        case .headBlob: return "HEAD"
        case .putManifest: return "PUT"
        case .patchUpload: return "PATCH"
        }
    }

    var path: String {
        switch self {
        case .getManifest, .putManifest: return "/manifests/"
        case .headBlob, .getBlob: return "/blobs/sha256:"
        case .patchUpload: return "/blobs/uploads/.+"
        }
    }

    /// Runs the operation against repository `probe/app`; any error is the caller's to inspect.
    func run(_ client: RegistryClient) async throws {
        let image = TestImage(family: .oci, seed: 3)
        switch self {
        case .getManifest: _ = try await client.manifest(repository: "probe/app", reference: "v1")
        case .headBlob:
            if try await !client.blobExists(repository: "probe/app", digest: sha256(image.layer)) {
                throw RegistryError.io(path: "-", reason: "HEAD reported the blob missing")
            }
        case .getBlob: _ = try await client.blobData(repository: "probe/app", digest: sha256(image.layer), maxSize: 1 << 20)
        case .putManifest: try await client.putManifest(repository: "probe/app", reference: "v1", bytes: image.manifest, mediaType: image.mediaType)
        case .patchUpload:
            let startURL = try await client.apiURL("/v2/probe/app/blobs/uploads/")
            let start = try await client.send(.POST, startURL, scopes: [])
            let location = try #require(start.headers.first(name: "Location"))
            let url = try #require(RegistryClient.resolve(location, against: startURL))
            let response = try await client.send(.PATCH, url, body: .data(Data("abc".utf8)), scopes: [])
            guard response.status.code == 202 else { throw await client.failure(response, .PATCH, url) }
        }
    }
}

@Suite("Retry behaviour against a real registry")
struct RetryBehaviourTests {
    /// Pushes the probe image directly, so every operation has something to find.
    func seed(_ registry: TestRegistry) async throws {
        let direct = RegistryClient(host: registry.host)
        try await TestImage(family: .oci, seed: 3).push(to: direct, repository: "probe/app", tag: "v1")
        try await direct.shutdown()
    }

    @Test(arguments: [400, 403, 404], ProbeOperation.allCases)
    func permanentStatusesAreNotRetried(_ status: Int, _ operation: ProbeOperation) async throws {
        let rule = FaultProxy.Rule(operation.method, operation.path, on: FaultProxy.Rule.always, .status(status, code: "DENIED"))
        try await withProxiedClient(rules: [rule]) { client, proxy, registry in
            try await seed(registry)
            let error = await #expect(throws: RegistryError.self) { try await operation.run(client) }
            if operation != .headBlob { #expect(error?.status == status) }   // HEAD bodies carry no code
            if status == 403 {
                // A refusal says what is missing and how to get past it.
                #expect(error?.description.contains("lack this permission; grant it to the account, or run `docker login") == true,
                        "\(String(describing: error))")
            }
            #expect(proxy.count(operation.method, operation.path) == 1)
        }
    }

    @Test func patchIsNotRepeatedBySendButIsReported() async throws {
        let rule = FaultProxy.Rule("PATCH", ProbeOperation.patchUpload.path, on: FaultProxy.Rule.always, .status(503))
        try await withProxiedClient(rules: [rule]) { client, proxy, _ in
            let error = await #expect(throws: RegistryError.self) { try await ProbeOperation.patchUpload.run(client) }
            #expect(error?.status == 503)
            #expect(proxy.count("PATCH", ProbeOperation.patchUpload.path) == 1)
        }
    }

    @Test(arguments: ["1", "http-date"])
    func retryAfterIsHonoured(_ form: String) async throws {
        let fault: FaultProxy.Fault = form == "1"
            ? .status(429, code: "TOOMANYREQUESTS", retryAfter: "1")
            : .retryAfterDate(status: 429, secondsAhead: 2)
        try await withProxiedClient(rules: [.init("GET", "/manifests/v1$", on: 1...1, fault)]) { client, proxy, registry in
            try await seed(registry)
            _ = try await client.manifest(repository: "probe/app", reference: "v1")
            let gets = proxy.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/manifests/v1") }
            try #require(gets.count == 2)
            #expect(gets[0].fault != nil && gets[1].fault == nil)
            if form == "1" {
                #expect(seconds(gets[0].time, gets[1].time) >= 1.0)
            } else {
                // The date was ahead of the faulted request, and the retry came at or after it.
                let sent = try #require(gets[0].retryAfterSent)
                let secondsSinceEpoch = try #require(RetryPolicy.retryAfter(sent, now: Date(timeIntervalSince1970: 0)))
                let notBefore = Date(timeIntervalSince1970: secondsSinceEpoch)
                #expect(gets[0].date < notBefore && gets[1].date >= notBefore)
            }
        }
    }

    @Test func attemptCountIsBounded() async throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02, maxElapsed: 20)
        let rule = FaultProxy.Rule("GET", "/manifests/", on: FaultProxy.Rule.always, .status(502))
        try await withProxiedClient(rules: [rule], policy: policy) { client, proxy, _ in
            let error = await #expect(throws: RegistryError.self) {
                _ = try await client.manifest(repository: "probe/app", reference: "v1")
            }
            #expect(error?.description.contains("gave up after 3 attempts") == true)
            #expect(proxy.count("GET", "/manifests/") == 3)
        }
    }

    @Test func elapsedTimeIsBounded() async throws {
        // Attempts alone would allow 50; time allows only a handful of ≤ 0.3 s waits within 3 s
        // (3 s rather than 1 s so a loaded machine still fits two attempts in).
        let policy = RetryPolicy(maxAttempts: 50, baseDelay: 0.3, maxDelay: 0.3, maxElapsed: 3)
        let rule = FaultProxy.Rule("GET", "/manifests/", on: FaultProxy.Rule.always, .status(503))
        try await withProxiedClient(rules: [rule], policy: policy) { client, proxy, _ in
            let error = await #expect(throws: RegistryError.self) {
                _ = try await client.manifest(repository: "probe/app", reference: "v1")
            }
            let count = proxy.count("GET", "/manifests/")
            #expect(count >= 2 && count < 50)
            guard case let .http(_, _, _, _, _, _, attempts)? = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(attempts == count)
        }
    }

    @Test func manifestRefusedWith500IsRepeatedOnceOnly() async throws {
        // Real distribution behaviour: a layer URL outside the allow-list is refused with 500.
        let layer = #"{"mediaType":"\#(MediaType.dockerForeignLayerGzip)","digest":"sha256:\#(String(repeating: "ab", count: 32))","size":10,"urls":["https://example.com/layer"]}"#
        let config = Data(#"{"os":"windows","architecture":"amd64"}"#.utf8)
        let manifest = Data(#"{"schemaVersion":2,"mediaType":"\#(MediaType.dockerManifest)","config":{"mediaType":"\#(MediaType.dockerConfig)","digest":"\#(sha256(config))","size":\#(config.count)},"layers":[\#(layer)]}"#.utf8)
        try await withProxiedClient { client, proxy, _ in
            try await client.uploadBlob(repository: "probe/win", digest: sha256(config), data: config)
            let error = await #expect(throws: RegistryError.self) {
                try await client.putManifest(repository: "probe/win", reference: "v1", bytes: manifest, mediaType: MediaType.dockerManifest)
            }
            #expect(error?.status == 500)
            #expect(error?.registryCodes.contains("MANIFEST_BLOB_UNKNOWN") == true)
            #expect(proxy.count("PUT", "/manifests/") == 2)
        }
    }

    @Test func nestedRetriesShareOneBudget() async throws {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.02, maxElapsed: 20)
        let rule = FaultProxy.Rule("GET", "/manifests/", on: FaultProxy.Rule.always, .status(503))
        try await withProxiedClient(rules: [rule], policy: policy) { client, proxy, _ in
            let calls = Counter()
            await #expect(throws: RegistryError.self) {
                try await client.retrying("get manifest", idempotent: true) {
                    await calls.increment()
                    _ = try await client.manifest(repository: "probe/app", reference: "v1")
                }
            }
            // Not 4 × 4: the inner send and the outer loop draw from the same budget.
            #expect(proxy.count("GET", "/manifests/") == 4)
            #expect(await calls.value == 1)
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        let port = try freeLoopbackPort()
        let client = RegistryClient(host: "127.0.0.1:\(port)", options: RegistryOptions(retry: fastRetry))
        let error = await #expect(throws: RegistryError.self) { try await client.ping() }
        guard case let .connectionFailed(_, _, path, reason)? = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(path == "/v2/")
        #expect(reason.contains("gave up after 5 attempts"))
        #expect(await client.stats.requests == 1 + 5)   // one HTTPS probe, five plain-HTTP attempts
        try await client.shutdown()
    }
}

/// A counter tests can bump from `@Sendable` closures.
actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

extension RegistryClient {
    /// `withRetries` for tests, which cannot hand a non-Sendable closure into the actor.
    func retrying<T: Sendable>(_ what: String, idempotent: Bool, retryIf: (@Sendable (any Error) -> Bool)? = nil,
                               _ body: @Sendable () async throws -> T) async throws -> T {
        try await withRetries(what, idempotent: idempotent, retryIf: retryIf) { try await body() }
    }
}

@Suite("withRetries (unit)")
struct WithRetriesTests {
    static let client = RegistryClient(host: "127.0.0.1:9", options: RegistryOptions(retry: fastRetry))

    /// Runs `retrying` with a body that throws `errors` in turn, then returns; gives the call count.
    func calls(idempotent: Bool = true, failingWith errors: [any Error & Sendable],
               retryIf: (@Sendable (any Error) -> Bool)? = nil) async -> (Int, Bool) {
        let counter = Counter()
        let succeeded = (try? await Self.client.retrying("test", idempotent: idempotent, retryIf: retryIf) {
            await counter.increment()
            let n = await counter.value
            if n <= errors.count { throw errors[n - 1] }
            return true
        }) ?? false
        return (await counter.value, succeeded)
    }

    @Test func retriesTransientFailuresUntilSuccess() async {
        let reset = RegistryError.connectionFailed(method: "GET", host: "h", path: "/", reason: "reset")
        let busy = RegistryError.http(status: 503, method: "GET", host: "h", path: "/v2/a/blobs/x", errors: [], body: nil)
        let (n, ok) = await calls(failingWith: [reset, busy])
        #expect(n == 3 && ok)
    }

    @Test func stopsAtTheAttemptLimit() async {
        let reset = RegistryError.connectionFailed(method: "GET", host: "h", path: "/", reason: "reset")
        let (n, ok) = await calls(failingWith: Array(repeating: reset, count: 10))
        #expect(n == fastRetry.maxAttempts && !ok)
    }

    @Test func nonIdempotentRunsOnce() async {
        let reset = RegistryError.connectionFailed(method: "PATCH", host: "h", path: "/", reason: "reset")
        let (n, ok) = await calls(idempotent: false, failingWith: [reset])
        #expect(n == 1 && !ok)
    }

    @Test func permanentErrorsRunOnce() async {
        let mismatch = RegistryError.digestMismatch(expected: sha256(Data()), actual: sha256(Data("x".utf8)), context: "c")
        let notFound = RegistryError.http(status: 404, method: "GET", host: "h", path: "/v2/a/manifests/x", errors: [], body: nil)
        #expect(await calls(failingWith: [mismatch]) == (1, false))
        #expect(await calls(failingWith: [notFound]) == (1, false))
    }

    @Test func retryIfExtendsTheClassification() async {
        let gone = RegistryError.http(status: 404, method: "PUT", host: "h", path: "/v2/a/blobs/uploads/u",
                                      errors: [RegistryErrorDetail(code: "BLOB_UPLOAD_UNKNOWN")], body: nil)
        let (n, ok) = await calls(failingWith: [gone], retryIf: { $0 as? RegistryError == gone })
        #expect(n == 2 && ok)
    }
}
