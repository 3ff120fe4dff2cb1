import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP proxy in front of the registry that forwards bytes unchanged and reads the
/// client → registry stream as HTTP/1.1 on the side, so the benchmark *measures* what each
/// contender sent: requests per method, and body bytes per blob upload session, attributed to the
/// blob digest named by the session's closing `PUT ?digest=`.
///
/// Blocking sockets and one thread per direction per connection: the kernel provides back-pressure,
/// so a 1 GiB upload never sits in the proxy's memory, and the bytes are never reframed.
final class CountingProxy: @unchecked Sendable {
    /// One request as seen on the wire.
    struct Request: Codable {
        var method: String
        var path: String
        var query: String
        var bodyBytes: Int64
    }

    let port: Int
    var host: String { "127.0.0.1:\(port)" }
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var seen: [Request] = []   // guarded by lock
    private var stopped = false        // guarded by lock

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("proxy: socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw BenchError("proxy: bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Requests finished so far, in order of completion.
    var requests: [Request] { lock.withLock { seen } }

    /// Forgets what was seen (between seeding and a measured run).
    func reset() { lock.withLock { seen.removeAll() } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard upstream >= 0, connected == 0 else { close(client); if upstream >= 0 { close(upstream) }; continue }
            // Forward each chunk at once, as the endpoints themselves do (Go and NIO both set
            // TCP_NODELAY): with Nagle on, a response written in two pieces waits for the peer's
            // delayed ACK, which added tens of milliseconds per request to every contender.
            var one: Int32 = 1
            for fd in [client, upstream] {
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            // Both directions done → close both sockets (the second pump to finish does it).
            let finished = Countdown(2) { close(client); close(upstream) }
            Thread.detachNewThread { [self] in
                var parser = RequestParser { [self] r in lock.withLock { seen.append(r) } }
                Self.pump(from: client, to: upstream) { parser.feed($0) }
                finished.done()
            }
            Thread.detachNewThread {
                Self.pump(from: upstream, to: client) { _ in }
                finished.done()
            }
        }
    }

    /// Copies until EOF or error, showing every chunk to `observe`, then half-closes `to`.
    private static func pump(from: Int32, to: Int32, observe: (UnsafeRawBufferPointer) -> Void) {
        let size = 256 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        outer: while true {
            let n = read(from, buffer, size)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            observe(UnsafeRawBufferPointer(start: buffer, count: n))
            var off = 0
            while off < n {
                let w = write(to, buffer + off, n - off)
                if w < 0, errno == EINTR { continue }
                if w <= 0 { break outer }
                off += w
            }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}

/// Runs `action` once after `done()` was called `count` times.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private let action: () -> Void
    init(_ count: Int, _ action: @escaping () -> Void) { remaining = count; self.action = action }
    func done() {
        let fire = lock.withLock { remaining -= 1; return remaining == 0 }
        if fire { action() }
    }
}

/// Incremental HTTP/1.1 request framing: heads, `Content-Length` and chunked bodies. It only
/// observes; a request it cannot frame (no length, not chunked) is taken to have no body, which is
/// what HTTP/1.1 says for requests.
struct RequestParser {
    private enum State { case head, body(Int64), chunkSize, chunkData(Int64), chunkEnd(Int), trailer }
    private var state = State.head
    private var line: [UInt8] = []
    private var current: CountingProxy.Request?
    private let emit: (CountingProxy.Request) -> Void

    init(emit: @escaping (CountingProxy.Request) -> Void) { self.emit = emit }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .head:
                // Accumulate up to the blank line ending the head.
                while i < n {
                    line.append(bytes[i]); i += 1
                    if line.count >= 4, line[line.count - 4 ..< line.count].elementsEqual([13, 10, 13, 10]) { break }
                }
                guard line.count >= 4, line[line.count - 4 ..< line.count].elementsEqual([13, 10, 13, 10]) else { return }
                startRequest(String(decoding: line, as: UTF8.self))
                line.removeAll(keepingCapacity: true)
            case let .body(remaining):
                let take = Int(min(Int64(n - i), remaining))
                current?.bodyBytes += Int64(take)
                i += take
                if remaining - Int64(take) == 0 { finish() } else { state = .body(remaining - Int64(take)) }
            case .chunkSize, .trailer:
                while i < n {
                    line.append(bytes[i]); i += 1
                    if line.count >= 2, line[line.count - 2] == 13, line[line.count - 1] == 10 { break }
                }
                guard line.count >= 2, line[line.count - 2] == 13, line[line.count - 1] == 10 else { return }
                let text = String(decoding: line.dropLast(2), as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                if case .trailer = state {
                    if text.isEmpty { finish() }
                    continue
                }
                let size = Int64(text.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "", radix: 16) ?? 0
                state = size == 0 ? .trailer : .chunkData(size)
            case let .chunkData(remaining):
                let take = Int(min(Int64(n - i), remaining))
                current?.bodyBytes += Int64(take)
                i += take
                state = remaining - Int64(take) == 0 ? .chunkEnd(2) : .chunkData(remaining - Int64(take))
            case let .chunkEnd(left):
                i += 1
                state = left == 1 ? .chunkSize : .chunkEnd(left - 1)
            }
        }
    }

    private mutating func startRequest(_ head: String) {
        let lines = head.split(separator: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        let target = parts.count > 1 ? String(parts[1]) : ""
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        var request = CountingProxy.Request(method: parts.first.map(String.init) ?? "?", path: String(target[..<pathEnd]),
                                            query: pathEnd < target.endIndex ? String(target[target.index(after: pathEnd)...]) : "",
                                            bodyBytes: 0)
        var length: Int64 = 0
        var chunked = false
        for l in lines.dropFirst() {
            guard let colon = l.firstIndex(of: ":") else { continue }
            let name = l[..<colon].lowercased()
            let value = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int64(value) ?? 0 }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        request.bodyBytes = 0
        current = request
        if chunked { state = .chunkSize } else if length > 0 { state = .body(length) } else { finish() }
    }

    private mutating func finish() {
        if let current { emit(current) }
        current = nil
        state = .head
    }
}

/// What a run sent, from the proxy's log.
struct TransferCounts: Codable {
    /// Requests per method, e.g. `["HEAD": 12, "PUT": 9]`.
    var requests: [String: Int] = [:]
    var totalRequests = 0
    /// Body bytes of blob upload requests (POST/PATCH/PUT under `/blobs/uploads/`).
    var blobBytes: Int64 = 0
    /// Body bytes of manifest and index PUTs.
    var manifestBytes: Int64 = 0
    /// Committed uploads and their body bytes, per blob digest.
    var uploadsPerBlob: [String: Int] = [:]
    var bytesPerBlob: [String: Int64] = [:]
    /// `POST …/blobs/uploads/?mount=` requests (answered 201 or not).
    var mountRequests = 0
    var headRequests = 0

    init(_ log: [CountingProxy.Request]) {
        var sessionBytes: [String: Int64] = [:]
        for r in log {
            requests[r.method, default: 0] += 1
            totalRequests += 1
            if r.method == "HEAD" { headRequests += 1 }
            if r.path.contains("/manifests/") { manifestBytes += r.bodyBytes }
            guard let range = r.path.range(of: "/blobs/uploads/") else { continue }
            blobBytes += r.bodyBytes
            let query = Self.query(r.query)
            if r.method == "POST", query["mount"] != nil { mountRequests += 1 }
            let session = String(r.path[range.upperBound...])
            sessionBytes[session, default: 0] += r.bodyBytes
            if let digest = query["digest"], r.method == "PUT" || r.method == "POST" {
                uploadsPerBlob[digest, default: 0] += 1
                bytesPerBlob[digest, default: 0] += sessionBytes[session] ?? 0
                sessionBytes[session] = 0
            }
        }
    }

    static func query(_ q: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if kv.count == 2 { out[kv[0]] = kv[1] } else if kv.count == 1 { out[kv[0]] = "" }
        }
        return out
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
