import Foundation
import LayerBuilder
import NIOHTTP1

/// What the fake does with a request.
struct FakeAnswer {
    enum Action { case respond, hang, close }
    var status: Int
    var headers: [(name: String, value: String)] = []
    var body = Data()
    /// For HEAD: the length announced without a body.
    var contentLength: Int?
    var action = Action.respond

    static func error(_ status: Int, _ code: String, _ message: String) -> FakeAnswer {
        FakeAnswer(status: status, headers: [("Content-Type", "application/json")],
                   body: Data(#"{"errors":[{"code":"\#(code)","message":"\#(message)"}]}"#.utf8))
    }
}

/// The fake registry's store and routing, shared by the connections of both ports under a lock.
final class FakeRegistryState: @unchecked Sendable {
    struct Upload {
        var repository: String
        var data = Data()
    }

    struct Store {
        var behavior: FakeRegistry.Behavior
        var log: [FakeRegistry.Request] = []
        var uploads: [String: Upload] = [:]
        /// Digest → bytes, and repository → digests it holds.
        var contents: [String: Data] = [:]
        var repositories: [String: Set<String>] = [:]
        /// Repository → tags, for `tags/list` only.
        var tags: [String: [String]] = [:]
        var patchCount = 0
        var ports = (main: 0, alternate: 0)

        mutating func store(_ data: Data, in repository: String) -> String {
            let digest = SHA256Digest.of(data).description
            contents[digest] = data
            repositories[repository, default: []].insert(digest)
            return digest
        }
    }

    private let lock = NSLock()
    private var store: Store

    init(behavior: FakeRegistry.Behavior) { store = Store(behavior: behavior) }

    func withLock<T>(_ body: (inout Store) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&store)
    }

    func setPorts(main: Int, alternate: Int) { withLock { $0.ports = (main, alternate) } }

    /// For a PATCH: after how many body bytes to break the connection, if a reset is due.
    func plannedReset(method: HTTPMethod) -> Int? {
        guard method == .PATCH else { return nil }
        return withLock { (s: inout Store) -> Int? in
            defer { s.patchCount += 1 }
            guard let reset = s.behavior.patchReset, reset.times > 0, s.patchCount >= reset.fromPatch else { return nil }
            return reset.afterBytes
        }
    }

    func record(_ head: HTTPRequestHead, body: Data, port: Int, reset: Bool) {
        let parts = head.uri.split(separator: "?", maxSplits: 1).map(String.init)
        let request = FakeRegistry.Request(method: head.method.rawValue, path: parts[0], query: parts.count > 1 ? parts[1] : nil,
                                           headers: head.headers.map { ($0.name, $0.value) }, bodyLength: body.count,
                                           port: port, wasReset: reset)
        withLock { $0.log.append(request) }
    }

    /// A broken PATCH keeps what arrived, as a registry writing to storage while reading does.
    func applyPartialPatch(uri: String, body: Data) {
        withLock { (s: inout Store) in
            s.behavior.patchReset?.times -= 1
            guard let id = Self.uploadID(uri), s.uploads[id] != nil else { return }
            s.uploads[id]!.data.append(body)
        }
    }

    func handle(_ head: HTTPRequestHead, body: Data, port: Int) -> FakeAnswer {
        record(head, body: body, port: port, reset: false)
        guard let components = URLComponents(string: head.uri) else { return .error(400, "UNSUPPORTED", "bad URI") }
        let path = components.percentEncodedPath
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        return withLock { (s: inout Store) -> FakeAnswer in
            if path == "/v2/" || path == "/v2" { return FakeAnswer(status: 200, body: Data("{}".utf8)) }
            if path.hasPrefix("/v2/"), path.hasSuffix("/tags/list"), head.method == .GET {
                let name = String(path.dropFirst(4).dropLast("/tags/list".count))
                return Self.tagList(s, name: name, query: query)
            }
            if let range = path.range(of: "/blobs/uploads/"), path.hasPrefix("/v2/") {
                let name = String(path[path.index(path.startIndex, offsetBy: 4)..<range.lowerBound])
                let id = String(path[range.upperBound...])
                return Self.upload(&s, method: head.method, name: name, id: id, query: query,
                                   contentRange: head.headers.first(name: "Content-Range"), body: body)
            }
            if let range = path.range(of: "/blobs/"), path.hasPrefix("/v2/") {
                let name = String(path[path.index(path.startIndex, offsetBy: 4)..<range.lowerBound])
                let digest = String(path[range.upperBound...]).removingPercentEncoding ?? ""
                guard head.method == .GET || head.method == .HEAD else { return .error(405, "UNSUPPORTED", "method") }
                guard s.repositories[name]?.contains(digest) == true, let data = s.contents[digest] else {
                    return .error(404, "BLOB_UNKNOWN", "blob unknown to registry")
                }
                return FakeAnswer(status: 200, headers: [("Docker-Content-Digest", digest), ("Content-Type", "application/octet-stream")],
                                  body: head.method == .GET ? data : Data(), contentLength: data.count)
            }
            return FakeAnswer(status: 404, body: Data("404 page not found\n".utf8))
        }
    }

    /// One page of a tag list: after `last` (exclusive), `n` tags, and a `Link` while more remain.
    private static func tagList(_ s: Store, name: String, query: [String: String]) -> FakeAnswer {
        guard let all = s.tags[name]?.sorted() else { return .error(404, "NAME_UNKNOWN", "repository name not known to registry") }
        var tags = all
        var link: String?
        if let paging = s.behavior.tagPaging {
            let n = query["n"].flatMap(Int.init) ?? paging.defaultPageSize
            let rest = all.filter { tag in query["last"].map { tag > $0 } ?? true }
            tags = Array(rest.prefix(n))
            let base = "/v2/\(name)/tags/list?n=\(n)"
            if rest.count > n, let last = tags.last {
                link = base + "&last=\(last)"
            } else if paging.link == .loop {
                link = base
            }
            let port = paging.link == .otherOrigin ? s.ports.alternate : s.ports.main
            if paging.link == .absolute || paging.link == .otherOrigin { link = link.map { "http://127.0.0.1:\(port)\($0)" } }
        }
        let list = tags.map { "\"\($0)\"" }.joined(separator: ",")
        return FakeAnswer(status: 200, headers: [("Content-Type", "application/json")] + (link.map { [("Link", "<\($0)>; rel=\"next\"")] } ?? []),
                          body: Data(#"{"name":"\#(name)","tags":[\#(list)]}"#.utf8))
    }

    static func uploadID(_ uri: String) -> String? {
        guard let path = URLComponents(string: uri)?.percentEncodedPath, let range = path.range(of: "/blobs/uploads/") else { return nil }
        let id = String(path[range.upperBound...])
        return id.isEmpty ? nil : id
    }

    /// Headers describing a session: the Location (with `_state` = size), its id and `Range`.
    private static func sessionHeaders(_ s: Store, name: String, id: String) -> [(name: String, value: String)] {
        let size = s.uploads[id]?.data.count ?? 0
        let path = "/v2/\(name)/blobs/uploads/\(id)?_state=\(size)"
        let port = s.behavior.locationsOnAlternatePort ? s.ports.alternate : s.ports.main
        let location = s.behavior.relativeLocations ? path : "http://127.0.0.1:\(port)\(path)"
        // distribution's ambiguous `0-0` for an empty upload.
        return [("Location", location), ("Docker-Upload-UUID", id), ("Range", "0-\(max(size - 1, 0))")]
    }

    private static func newSession(_ s: inout Store, name: String) -> FakeAnswer {
        let id = UUID().uuidString.lowercased()
        s.uploads[id] = Upload(repository: name)
        var headers = sessionHeaders(s, name: name, id: id)
        if let min = s.behavior.chunkMinLength { headers.append(("OCI-Chunk-Min-Length", String(min))) }
        return FakeAnswer(status: 202, headers: headers)
    }

    private static func upload(_ s: inout Store, method: HTTPMethod, name: String, id: String,
                               query: [String: String], contentRange: String?, body: Data) -> FakeAnswer {
        if method == .POST, id.isEmpty {
            guard let digest = query["mount"] else { return newSession(&s, name: name) }
            return mount(&s, name: name, digest: digest, from: query["from"] ?? "")
        }
        guard let upload = s.uploads[id], upload.repository == name else {
            return .error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
        }
        let size = upload.data.count
        if (method == .PATCH || method == .PUT), s.behavior.enforceState, let state = query["_state"], Int(state) != size {
            return .error(404, "BLOB_UPLOAD_INVALID", "blob upload invalid")
        }
        switch method {
        case .GET:
            if s.behavior.statusAnswers404 { return .error(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry") }
            return FakeAnswer(status: 204, headers: sessionHeaders(s, name: name, id: id))
        case .DELETE:
            s.uploads[id] = nil
            return FakeAnswer(status: 204)
        case .PATCH:
            if s.behavior.hangPatches { return FakeAnswer(status: 0, action: .hang) }
            if let range = contentRange, let start = Int(range.split(separator: "-").first ?? ""),
               start != size, let status = s.behavior.outOfOrderStatus {
                return .error(status, "BLOB_UPLOAD_INVALID", "range \(range) does not start at \(size)")
            }
            s.uploads[id]!.data.append(body)
            return FakeAnswer(status: s.behavior.patchStatus, headers: sessionHeaders(s, name: name, id: id))
        case .PUT:
            return commit(&s, name: name, id: id, digest: query["digest"] ?? "", body: body)
        default:
            return .error(405, "UNSUPPORTED", "method not allowed")
        }
    }

    private static func commit(_ s: inout Store, name: String, id: String, digest: String, body: Data) -> FakeAnswer {
        if s.behavior.hangPuts { return FakeAnswer(status: 0, action: .hang) }
        if let limit = s.behavior.monolithicPutLimit, body.count > limit {
            return FakeAnswer(status: 413, body: Data("<html>413 Request Entity Too Large</html>".utf8))
        }
        let reset = s.behavior.commitReset
        s.behavior.commitReset = nil
        if reset == .beforeCommit { return FakeAnswer(status: 0, action: .close) }
        let data = s.uploads[id]!.data + body
        let actual = SHA256Digest.of(data).description
        guard actual == digest else {
            s.uploads[id] = nil
            return .error(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
        }
        s.uploads[id] = nil
        _ = s.store(data, in: name)
        if reset == .afterCommit { return FakeAnswer(status: 0, action: .close) }
        return FakeAnswer(status: 201, headers: [("Location", "/v2/\(name)/blobs/\(digest)"), ("Docker-Content-Digest", digest)])
    }

    private static func mount(_ s: inout Store, name: String, digest: String, from: String) -> FakeAnswer {
        let has = s.repositories[from]?.contains(digest) == true
        switch s.behavior.mountAnswers[from] ?? (has ? 201 : 202) {
        case 201:
            if let data = s.contents[digest] { _ = s.store(data, in: name) }
            return FakeAnswer(status: 201, headers: [("Location", "/v2/\(name)/blobs/\(digest)"), ("Docker-Content-Digest", digest)])
        case 202:
            return newSession(&s, name: name)
        case 401:
            return .error(401, "UNAUTHORIZED", "authentication required")
        case let status:
            return .error(status, "NAME_UNKNOWN", "repository name not known to registry")
        }
    }
}
