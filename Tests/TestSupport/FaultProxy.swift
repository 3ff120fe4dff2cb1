import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 reverse proxy on 127.0.0.1 in front of a registry, failing requests on purpose.
///
/// Each request is matched against the plan's rules (method, path regex, which occurrence); the
/// first rule that fires decides its fault, otherwise it is forwarded unchanged. Request and response
/// bodies are held in memory (test blobs are a few MiB; more than `maxBody` is refused with 413).
/// Every request is recorded, so tests can count attempts and look at headers and timing.
public final class FaultProxy: @unchecked Sendable {
    /// What to do to one request.
    public enum Fault: Sendable, Equatable {
        /// Reset the client connection once `afterBytes` of the request body arrived (or at its end
        /// if it is shorter). Nothing reaches the registry.
        case resetRequest(afterBytes: Int)
        /// Forward, then send the response head and `afterBytes` of its body, then reset.
        case resetResponse(afterBytes: Int)
        /// Forward (the registry acts on it), then reset without answering: a lost response.
        case dropResponse
        /// Answer without forwarding.
        case respond(status: Int, headers: [String: String] = [:], body: String = "")
        /// Wait, then forward.
        case delay(seconds: Double)
        /// Answer `status` with `Retry-After` as an HTTP-date `secondsAhead` seconds after the
        /// answer (whole seconds, so 1 s less at worst); the value sent is in `Seen.retryAfterSent`.
        case retryAfterDate(status: Int, secondsAhead: Int)

        /// A bare status with a distribution-style error body, e.g. `.status(503)`.
        public static func status(_ code: Int, code errorCode: String = "UNAVAILABLE",
                                  retryAfter: String? = nil) -> Fault {
            var headers = ["Content-Type": "application/json"]
            if let retryAfter { headers["Retry-After"] = retryAfter }
            return .respond(status: code, headers: headers,
                            body: #"{"errors":[{"code":"\#(errorCode)","message":"injected by FaultProxy"}]}"#)
        }
    }

    /// When a fault fires: requests whose method matches (nil = any) and whose path (without query)
    /// matches the regex `path` are counted per rule; the fault applies to the `occurrences`-th ones.
    public struct Rule: Sendable {
        public var method: String?
        public var path: String
        public var occurrences: ClosedRange<Int>
        public var fault: Fault

        public init(_ method: String?, _ path: String, on occurrences: ClosedRange<Int> = 1...1, _ fault: Fault) {
            self.method = method
            self.path = path
            self.occurrences = occurrences
            self.fault = fault
        }

        /// Every matching request.
        public static let always = 1...Int.max
    }

    /// A request the proxy received.
    public struct Seen: Sendable {
        public var method: String
        /// Path without the query.
        public var path: String
        public var headers: HTTPHeaders
        /// The fault applied, nil when forwarded untouched.
        public var fault: Fault?
        public var time: ContinuousClock.Instant
        /// Wall-clock arrival, for comparing with HTTP dates.
        public var date: Date
        /// The `Retry-After` a `.retryAfterDate` fault answered with.
        public var retryAfterSent: String?
        /// Request body bytes received (set once the request is complete).
        public var bodyBytes = 0
    }

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    /// `127.0.0.1:PORT` of the proxy, the form `RegistryClient(host:)` takes.
    public let host: String
    public let port: Int
    /// Largest request or response body held in memory.
    public static let maxBody = 64 << 20

    private let upstreamPort: Int
    private let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let lock = NSLock()
    private var rules: [Rule] = []        // guarded by lock
    private var ruleCounts: [Int] = []    // guarded by lock
    private var seen: [Seen] = []         // guarded by lock
    private var acceptTask: Task<Void, Never>?

    private init(port: Int, upstreamPort: Int,
                 server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) {
        self.port = port
        host = "127.0.0.1:\(port)"
        self.upstreamPort = upstreamPort
        self.server = server
    }

    /// Starts a proxy on a free port of 127.0.0.1 forwarding to `127.0.0.1:upstreamPort`.
    public static func start(upstreamPort: Int, rules: [Rule] = []) async throws -> FaultProxy {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        guard let port = server.channel.localAddress?.port else {
            try? await server.channel.close()
            throw TestSupportError("FaultProxy: no local port")
        }
        let proxy = FaultProxy(port: port, upstreamPort: upstreamPort, server: server)
        proxy.setRules(rules)
        proxy.acceptTask = Task { await proxy.acceptLoop() }
        return proxy
    }

    /// Replaces the plan and restarts the per-rule counts (the request log is kept).
    public func setRules(_ rules: [Rule]) {
        lock.withLock {
            self.rules = rules
            ruleCounts = Array(repeating: 0, count: rules.count)
        }
    }

    /// Requests received so far, in arrival order.
    public var requests: [Seen] { lock.withLock { seen } }

    /// How many requests with `method` (nil = any) had a path matching the regex `path`.
    public func count(_ method: String?, _ path: String) -> Int {
        requests.filter { ($0.method == method || method == nil) && $0.path.range(of: path, options: .regularExpression) != nil }.count
    }

    /// Stops accepting and closes the listening socket.
    public func stop() async {
        try? await server.channel.close()
        acceptTask?.cancel()
        await acceptTask?.value
    }

    // MARK: Serving

    private func acceptLoop() async {
        try? await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Body bytes of every complete request matching `method` (nil: any) and the `path` pattern.
    public func bodyBytes(_ method: String?, _ path: String) -> Int {
        lock.withLock {
            seen.filter { (method == nil || $0.method == method) && $0.path.range(of: path, options: .regularExpression) != nil }
                .reduce(0) { $0 + $1.bodyBytes }
        }
    }

    private func noteBody(_ bytes: Int, request index: Int) {
        lock.withLock { if seen.indices.contains(index) { seen[index].bodyBytes = bytes } }
    }

    private func decide(_ head: HTTPRequestHead) -> (Fault?, Int) {
        let path = String(head.uri.prefix { $0 != "?" })
        let method = head.method.rawValue
        return lock.withLock {
            var chosen: Fault?
            for (index, rule) in rules.enumerated()
            where (rule.method == nil || rule.method == method) && path.range(of: rule.path, options: .regularExpression) != nil {
                ruleCounts[index] += 1
                if chosen == nil, rule.occurrences.contains(ruleCounts[index]) { chosen = rule.fault }
            }
            seen.append(Seen(method: method, path: path, headers: head.headers, fault: chosen, time: .now, date: Date(), retryAfterSent: nil))
            return (chosen, seen.count - 1)
        }
    }

    /// Records the Retry-After sent for the latest request.
    private func noteRetryAfter(_ value: String) {
        lock.withLock { if !seen.isEmpty { seen[seen.count - 1].retryAfterSent = value } }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            var fault: Fault?
            var received = 0
            var index = 0
            for try await part in inbound {
                switch part {
                case let .head(h):
                    head = h
                    body.clear()
                    received = 0
                    (fault, index) = decide(h)
                    if case let .retryAfterDate(status, ahead)? = fault {
                        let value = Self.httpDate(Date().addingTimeInterval(Double(ahead)))
                        noteRetryAfter(value)
                        fault = .status(status, code: "TOOMANYREQUESTS", retryAfter: value)
                    }
                case var .body(chunk):
                    received += chunk.readableBytes
                    if case let .resetRequest(n)? = fault, received >= n { return await Self.reset(channel) }
                    guard body.readableBytes + chunk.readableBytes <= Self.maxBody else {
                        try await Self.write(outbound, status: 413, headers: [:], body: "request body too large for FaultProxy")
                        return
                    }
                    body.writeBuffer(&chunk)
                case .end:
                    guard let request = head else { return }
                    head = nil
                    noteBody(received, request: index)
                    if case .resetRequest? = fault { return await Self.reset(channel) }
                    guard try await handle(request, body: body, fault: fault, outbound: outbound, channel: channel) else { return }
                }
            }
        }
    }

    /// Answers one request; false when the connection must end (reset, or the client asked to close).
    private func handle(_ request: HTTPRequestHead, body: ByteBuffer, fault: Fault?,
                        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, channel: any Channel) async throws -> Bool {
        if case let .respond(status, headers, text)? = fault {
            try await Self.write(outbound, status: status, headers: headers, body: text, isHEAD: request.method == .HEAD)
            return request.isKeepAlive
        }
        if case let .delay(seconds)? = fault { try await Task.sleep(for: .seconds(seconds)) }
        let (responseHead, responseBody): (HTTPResponseHead, ByteBuffer)
        do {
            (responseHead, responseBody) = try await forward(request, body: body)
        } catch {
            try await Self.write(outbound, status: 502, headers: [:], body: "FaultProxy: upstream failed: \(error)")
            return false
        }
        if case .dropResponse? = fault {
            await Self.reset(channel)
            return false
        }
        var head = responseHead
        for name in ["Connection", "Keep-Alive", "Transfer-Encoding"] { head.headers.remove(name: name) }
        if let location = head.headers.first(name: "Location") {
            head.headers.replaceOrAdd(name: "Location", value: location
                .replacingOccurrences(of: "127.0.0.1:\(upstreamPort)", with: host)
                .replacingOccurrences(of: "localhost:\(upstreamPort)", with: host))
        }
        if request.method != .HEAD { head.headers.replaceOrAdd(name: "Content-Length", value: "\(responseBody.readableBytes)") }
        try await outbound.write(.head(head))
        if case let .resetResponse(n)? = fault {
            if n > 0, let partial = responseBody.getSlice(at: responseBody.readerIndex, length: min(n, responseBody.readableBytes)) {
                try await outbound.write(.body(.byteBuffer(partial)))
            }
            await Self.reset(channel)
            return false
        }
        if responseBody.readableBytes > 0, request.method != .HEAD { try await outbound.write(.body(.byteBuffer(responseBody))) }
        try await outbound.write(.end(nil))
        return request.isKeepAlive
    }

    /// Sends the request to the registry on a fresh connection and reads the whole answer.
    private func forward(_ request: HTTPRequestHead, body: ByteBuffer) async throws -> (HTTPResponseHead, ByteBuffer) {
        let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: upstreamPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await upstream.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri, headers: request.headers)
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            head.headers.remove(name: "Transfer-Encoding")
            if body.readableBytes > 0 || request.headers.contains(name: "Content-Length") {
                head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
            }
            try await outbound.write(.head(head))
            if body.readableBytes > 0 { try await outbound.write(.body(.byteBuffer(body))) }
            try await outbound.write(.end(nil))
            var responseHead: HTTPResponseHead?
            var responseBody = ByteBuffer()
            for try await part in inbound {
                switch part {
                case let .head(h) where h.status.code >= 200:
                    responseHead = h
                case .head:
                    continue   // 1xx
                case var .body(chunk):
                    guard responseBody.readableBytes + chunk.readableBytes <= Self.maxBody else {
                        throw TestSupportError("FaultProxy: response body over \(Self.maxBody) bytes")
                    }
                    responseBody.writeBuffer(&chunk)
                case .end:
                    if let responseHead { return (responseHead, responseBody) }
                }
            }
            throw TestSupportError("FaultProxy: the registry closed the connection without a full answer")
        }
    }

    private static func write(_ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, status: Int,
                              headers: [String: String], body: String, isHEAD: Bool = false) async throws {
        var head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status))
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head.headers.add(name: name, value: value) }
        head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.utf8.count)")
        try await outbound.write(.head(head))
        if !body.isEmpty, !isHEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
    }

    /// Closes with SO_LINGER 0 so the peer sees a TCP reset, as from a crashed or cut-off server.
    private static func reset(_ channel: any Channel) async {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }
}

/// Starts a proxy in front of `registry`, runs `body`, and stops the proxy whatever happens.
public func withFaultProxy<T>(in front: TestRegistry, rules: [FaultProxy.Rule] = [],
                              _ body: (FaultProxy) async throws -> T) async throws -> T {
    let proxy = try await FaultProxy.start(upstreamPort: front.port, rules: rules)
    return try await withStarted(proxy, stop: { await $0.stop() }, body)
}
