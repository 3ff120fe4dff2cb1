import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An in-process HTTP/1.1 registry on 127.0.0.1 that speaks just the blob upload API (POST, PATCH,
/// PUT, status GET and DELETE of uploads; HEAD/GET of blobs; POST mount) and tag lists, with switches for the
/// protocol corners a real registry will not show on demand. It records every request.
///
/// It listens on two ports sharing one store: `host`, and `alternateHost`, where upload `Location`s
/// can be made to point to test that credentials are not forwarded to another origin. Blobs are kept
/// in memory; keep test blobs small.
public final class FakeRegistry: Sendable {
    /// Corners to switch on. Change them at any time with `configure`.
    public struct Behavior: Sendable {
        /// `OCI-Chunk-Min-Length` sent on every POST answer.
        public var chunkMinLength: Int?
        /// A PUT carrying more than this many body bytes gets 413 (ACR, or a proxy's body limit).
        public var monolithicPutLimit: Int?
        /// Status of a successful PATCH: 202 (spec), 201 (ECR) or 204 (old GCR).
        public var patchStatus = 202
        /// `Location` headers as paths instead of absolute URLs (distribution's `relativeurls`).
        public var relativeLocations = false
        /// Upload `Location`s point at the alternate port: another origin for the client.
        public var locationsOnAlternatePort = false
        /// Like distribution 2.8: a `Location` whose `_state` offset is not the upload's size is stale
        /// and gets 404 `BLOB_UPLOAD_INVALID` on PATCH and PUT. The status GET does not check it.
        public var enforceState = true
        /// Status for a PATCH whose `Content-Range` does not start at the current size (416 per
        /// spec); nil appends it anyway, as 2.8 does.
        public var outOfOrderStatus: Int? = 416
        /// Break connections in the middle of PATCH bodies; see `Reset`.
        public var patchReset: Reset?
        /// Break the connection of the next closing PUT, once.
        public var commitReset: CommitReset?
        /// The upload status GET answers 404 `BLOB_UPLOAD_UNKNOWN`, forcing a new session.
        public var statusAnswers404 = false
        /// Mount answers by source repository (201, 202, 401, 404, …) instead of the natural ones
        /// (201 when the source has the blob, else 202 with a new session).
        public var mountAnswers: [String: Int] = [:]
        /// Never answer PATCH or PUT requests (to cancel a client mid-request).
        public var hangPatches = false
        public var hangPuts = false
        /// Tag lists in pages; nil sends every tag at once and ignores `n`, as distribution 2.8 does.
        public var tagPaging: TagPaging?

        public init() {}
    }

    /// How `GET /v2/<name>/tags/list` pages: `n` tags (or `defaultPageSize`) after `last`, with a
    /// `Link: <…?n=…&last=…>; rel="next"` while more remain.
    public struct TagPaging: Sendable {
        public enum Link: Sendable {
            /// `</v2/…>`, as distribution's `relativeurls` does.
            case relative
            /// `<http://127.0.0.1:PORT/v2/…>`.
            case absolute
            /// An absolute URL on the alternate port: another origin.
            case otherOrigin
            /// Relative, but the last page links back to the first instead of ending.
            case loop
        }
        public var defaultPageSize: Int
        public var link: Link
        public init(defaultPageSize: Int = 100, link: Link = .relative) {
            self.defaultPageSize = defaultPageSize
            self.link = link
        }
    }

    /// Closes the connection after `afterBytes` body bytes of a PATCH, keeping those bytes, for PATCH
    /// requests number `fromPatch` (0-based, over the registry's life) onwards, `times` times.
    public struct Reset: Sendable, Equatable {
        public var afterBytes: Int
        public var fromPatch: Int
        public var times: Int
        public init(afterBytes: Int, fromPatch: Int = 0, times: Int = 1) {
            self.afterBytes = afterBytes
            self.fromPatch = fromPatch
            self.times = times
        }
    }

    /// Whether a broken closing PUT had stored the blob before the connection dropped.
    public enum CommitReset: Sendable, Equatable {
        case beforeCommit
        case afterCommit
    }

    /// One request as received.
    public struct Request: Sendable, CustomStringConvertible {
        public var method: String
        /// The path without the query.
        public var path: String
        /// The raw query, without `?`.
        public var query: String?
        public var headers: [(name: String, value: String)]
        /// Body bytes received (fewer than sent when the fake broke the connection).
        public var bodyLength: Int
        /// The port it arrived on (`port` or `alternatePort`).
        public var port: Int
        /// The fake broke the connection instead of answering.
        public var wasReset: Bool

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// A query parameter's value (percent-decoded).
        public func queryValue(_ name: String) -> String? {
            guard let query else { return nil }
            return URLComponents(string: "/?" + query)?.queryItems?.first { $0.name == name }?.value
        }

        /// `METHOD path` plus `Content-Range` when present, e.g. `PATCH /v2/a/blobs/uploads/u 0-99`.
        public var description: String {
            "\(method) \(path)" + (header("Content-Range").map { " \($0)" } ?? "") + (wasReset ? " (reset)" : "")
        }
    }

    let state: FakeRegistryState
    private let channels: [Channel]
    public let port: Int
    public let alternatePort: Int
    /// `127.0.0.1:PORT`, for `RegistryClient(host:)`.
    public var host: String { "127.0.0.1:\(port)" }
    public var alternateHost: String { "127.0.0.1:\(alternatePort)" }

    private init(state: FakeRegistryState, channels: [Channel], ports: [Int]) {
        self.state = state
        self.channels = channels
        port = ports[0]
        alternatePort = ports[1]
    }

    /// Binds both ports on 127.0.0.1 (ephemeral) and starts serving.
    public static func start(_ behavior: Behavior = Behavior()) async throws -> FakeRegistry {
        let state = FakeRegistryState(behavior: behavior)
        var channels: [Channel] = []
        do {
            for _ in 0..<2 {
                let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(FakeRegistryHandler(state: state))
                        }
                    }
                    .bind(host: "127.0.0.1", port: 0).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        let ports = channels.map { $0.localAddress?.port ?? 0 }
        state.setPorts(main: ports[0], alternate: ports[1])
        return FakeRegistry(state: state, channels: channels, ports: ports)
    }

    /// Stops listening. Open connections die with the event loop's next close.
    public func stop() async {
        for channel in channels { try? await channel.close() }
    }

    /// Changes the behaviour for requests that arrive from now on.
    public func configure(_ change: (inout Behavior) -> Void) { state.withLock { change(&$0.behavior) } }

    /// Every request so far except pings of `/v2/`, oldest first.
    public func requests() -> [Request] { state.withLock { $0.log.filter { $0.path != "/v2/" } } }

    /// Forgets the recorded requests.
    public func clearRequests() { state.withLock { $0.log.removeAll() } }

    /// Puts a blob into a repository directly (a mount source, or a blob that "already exists").
    public func seedBlob(repository: String, _ data: Data) { state.withLock { _ = $0.store(data, in: repository) } }

    /// Gives `repository` these tags (listed by `tags/list`; they point at nothing).
    public func seedTags(repository: String, _ tags: [String]) { state.withLock { $0.tags[repository] = tags } }

    /// The blob's bytes if `repository` holds `digest` (e.g. `sha256:…`).
    public func blob(repository: String, digest: String) -> Data? {
        state.withLock { $0.repositories[repository]?.contains(digest) == true ? $0.contents[digest] : nil }
    }

    /// Upload sessions neither committed nor cancelled.
    public func openSessionCount() -> Int { state.withLock { $0.uploads.count } }
}

/// Starts a fake registry, runs `body`, and stops it whatever happens.
public func withFakeRegistry<T>(_ behavior: FakeRegistry.Behavior = FakeRegistry.Behavior(),
                                _ body: (FakeRegistry) async throws -> T) async throws -> T {
    let registry = try await FakeRegistry.start(behavior)
    return try await withStarted(registry, stop: { await $0.stop() }, body)
}

/// Feeds requests to the shared state and writes its answers; breaks connections when told to.
final class FakeRegistryHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: FakeRegistryState
    private var head: HTTPRequestHead?
    private var body = Data()
    /// Break after this many body bytes of the current request.
    private var resetAfter: Int?
    private var dropped = false

    init(state: FakeRegistryState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !dropped else { return }
        let port = context.localAddress?.port ?? 0
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            body = Data()
            resetAfter = state.plannedReset(method: h.method)
        case var .body(buffer):
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            if let limit = resetAfter, body.count >= limit, let head {
                body = body.prefix(limit)
                state.record(head, body: body, port: port, reset: true)
                state.applyPartialPatch(uri: head.uri, body: body)
                dropped = true
                context.close(promise: nil)
            }
        case .end:
            guard let head else { return }
            let answer = state.handle(head, body: body, port: port)
            switch answer.action {
            case .respond: write(answer, context: context, isHead: head.method == .HEAD)
            case .hang: break
            case .close:
                dropped = true
                context.close(promise: nil)
            }
        }
    }

    private func write(_ answer: FakeAnswer, context: ChannelHandlerContext, isHead: Bool) {
        var headers = HTTPHeaders(answer.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(answer.contentLength ?? answer.body.count))
        headers.replaceOrAdd(name: "Docker-Distribution-Api-Version", value: "registry/2.0")
        let status = HTTPResponseStatus(statusCode: answer.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !isHead, !answer.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
