import Foundation

/// A tiny Bearer token service (token.md GET flow) on 127.0.0.1, run with python3's http.server.
///
/// It hands out `tok-<n>` tokens (`expires_in` 300) and records every request, so tests can check
/// the query (`service`, one `scope` per scope) and which `Authorization` reached the realm.
public actor TokenServer {
    /// One request seen by the token service.
    public struct Request: Sendable, Decodable {
        public var path: String
        public var authorization: String?

        /// Decoded query parameters, in order (repeated names kept).
        public var query: [(name: String, value: String)] {
            guard let items = URLComponents(string: path)?.queryItems else { return [] }
            return items.map { ($0.name, $0.value ?? "") }
        }

        public func values(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }
    }

    public nonisolated let realm: String
    private let process: Process
    private let dir: TempDir

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    private static let script = #"""
import http.server, json, signal, sys
# The test runner may hand us SIGTERM ignored or blocked; restore a handler that exits.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
log = open(sys.argv[1], "a")
count = 0
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        count += 1
        log.write(json.dumps({"path": self.path, "authorization": self.headers.get("Authorization")}) + "\n")
        log.flush()
        body = json.dumps({"token": "tok-%d" % count, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
"""#

    private init(realm: String, process: Process, dir: TempDir) {
        self.realm = realm
        self.process = process
        self.dir = dir
    }

    /// Starts the service and waits until it reports its port.
    public static func start() async throws -> TokenServer {
        let dir = try TempDir(prefix: "winimg-token")
        let scriptPath = try dir.write("server.py", Data(script.utf8))
        let portFile = dir.file("port")
        _ = FileManager.default.createFile(atPath: portFile, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: portFile))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [scriptPath, dir.file("requests.jsonl")]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        try? out.close()
        for _ in 0..<100 {
            let text = String(decoding: FileManager.default.contents(atPath: portFile) ?? Data(), as: UTF8.self)
            if let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return TokenServer(realm: "http://127.0.0.1:\(port)/token", process: process, dir: dir)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        stopProcess(process)
        dir.remove()
        throw TestSupportError("token server did not start")
    }

    /// Requests received so far.
    public func requests() throws -> [Request] {
        let text = String(decoding: FileManager.default.contents(atPath: dir.file("requests.jsonl")) ?? Data(), as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    public func stop() {
        stopProcess(process)
        dir.remove()
    }
}

/// Starts a token service, runs `body`, and stops the service whatever happens.
public func withTokenServer<T>(_ body: (TokenServer) async throws -> T) async throws -> T {
    let server = try await TokenServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
