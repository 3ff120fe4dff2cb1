import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real CNCF distribution registry (`/usr/bin/docker-registry`, 2.8.2 in Debian) on 127.0.0.1 with
/// a free port, filesystem storage in a temp dir and deletes enabled; optionally htpasswd Basic auth.
///
/// Prefer `withTestRegistry { … }`, which always stops it.
public actor TestRegistry {
    /// `127.0.0.1:PORT`, the form `RegistryClient(host:)` takes.
    public nonisolated let host: String
    public nonisolated let port: Int
    /// The storage and config directory.
    public nonisolated let directory: String
    /// With TLS: the PEM of the CA that signed the registry's certificate (for `RegistryOptions.caFile`).
    public nonisolated let caFile: String?
    private let process: Process
    private let dir: TempDir
    private var stopped = false

    public static let executable = "/usr/bin/docker-registry"

    private init(port: Int, process: Process, dir: TempDir, caFile: String?) {
        self.port = port
        self.caFile = caFile
        host = "127.0.0.1:\(port)"
        directory = dir.path
        self.process = process
        self.dir = dir
    }

    /// Starts a registry and waits (at most ~10 s) until `GET /v2/` answers.
    /// - Parameters:
    ///   - users: username → password; non-empty enables htpasswd (bcrypt) Basic auth.
    ///   - tokenRealm: enables distribution's `silly` auth: Bearer challenges pointing at this realm
    ///     with service `test-registry`; any `Authorization` header is then accepted.
    ///   - relativeURLs: `Location` headers become relative paths.
    ///   - tokenTrust: with `tokenRealm`, distribution's real `token` auth instead of `silly`: the
    ///     registry verifies JWTs signed by that issuer (see `TokenServer.Options.signing`).
    ///   - tls: serve HTTPS only, with a certificate for IP 127.0.0.1 signed by a fresh test CA
    ///     (`caFile`).
    public static func start(users: [String: String] = [:], tokenRealm: String? = nil,
                             relativeURLs: Bool = false, tokenTrust: TokenTrust? = nil,
                             tls: Bool = false) async throws -> TestRegistry {
        let dir = try TempDir(prefix: "winimg-registry")
        do {
            let certificates = tls ? try await makeTestCertificates(in: dir) : nil
            var htpasswd: String?
            if !users.isEmpty {
                var lines = ""
                for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                    let r = try await run("/usr/bin/htpasswd", ["-nbB", user, password], timeout: 30)
                    guard r.status == 0 else { throw TestSupportError("htpasswd failed: \(r.stderrString)") }
                    lines += r.stdoutString.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
                }
                htpasswd = try dir.write("htpasswd", Data(lines.utf8))
            }
            var lastLog = ""
            // A port found free can be taken before the registry binds it; try a few.
            for attempt in 1...5 {
                let port = try freeLoopbackPort()
                let config = try dir.write("config-\(attempt).yml", Data(configYAML(
                    port: port, dir: dir.path, htpasswd: htpasswd, tokenRealm: tokenRealm, relativeURLs: relativeURLs,
                    tokenTrust: tokenTrust, tls: certificates).utf8))
                let logPath = dir.file("registry-\(attempt).log")
                _ = FileManager.default.createFile(atPath: logPath, contents: nil)
                let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["serve", config]
                process.standardOutput = log
                process.standardError = log
                process.standardInput = FileHandle.nullDevice
                try process.run()
                try? log.close()

                for _ in 0..<100 {
                    if !process.isRunning { break }
                    // Go's TLS server answers a plain-HTTP request with 400, which proves it listens.
                    if let status = httpStatus(port: port, path: "/v2/"), status == 200 || status == 401 || (tls && status == 400) {
                        return TestRegistry(port: port, process: process, dir: dir, caFile: certificates?.ca)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                stopProcess(process)
                lastLog = String(decoding: FileManager.default.contents(atPath: logPath) ?? Data(), as: UTF8.self)
                if !lastLog.contains("address already in use") { break }
            }
            throw TestSupportError("docker-registry did not become ready: \(lastLog)")
        } catch {
            dir.remove()
            throw error
        }
    }

    /// Terminates the registry and deletes its storage. Safe to call twice.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        stopProcess(process)
        dir.remove()
    }

    /// Files of the blob store, for tests that want to look behind the API.
    public nonisolated var storageRoot: String { directory + "/data" }

    private static func configYAML(port: Int, dir: String, htpasswd: String?, tokenRealm: String?,
                                   relativeURLs: Bool, tokenTrust: TokenTrust? = nil, tls: TestCertificates?) -> String {
        var yaml = """
        version: 0.1
        log:
          level: error
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: \(dir)/data
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:\(port)
          secret: winimg-test-secret
          relativeurls: \(relativeURLs)
        \(tls.map { "  tls:\n    certificate: \($0.certificate)\n    key: \($0.key)" } ?? "")
        validation:
          manifests:
            urls:
              allow:
                - '^https://mcr\\.microsoft\\.com/'

        """
        if let htpasswd {
            yaml += """
            auth:
              htpasswd:
                realm: basic-realm
                path: \(htpasswd)

            """
        }
        if let tokenRealm, let tokenTrust {
            yaml += """
            auth:
              token:
                realm: \(tokenRealm)
                service: test-registry
                issuer: \(tokenTrust.issuer)
                rootcertbundle: \(tokenTrust.rootCertBundle)

            """
        } else if let tokenRealm {
            yaml += """
            auth:
              silly:
                realm: \(tokenRealm)
                service: test-registry

            """
        }
        return yaml
    }
}

/// Starts a registry, runs `body`, and stops the registry whatever happens.
public func withTestRegistry<T>(users: [String: String] = [:], tokenRealm: String? = nil, relativeURLs: Bool = false,
                                tokenTrust: TokenTrust? = nil, tls: Bool = false,
                                _ body: (TestRegistry) async throws -> T) async throws -> T {
    let registry = try await TestRegistry.start(users: users, tokenRealm: tokenRealm, relativeURLs: relativeURLs,
                                                tokenTrust: tokenTrust, tls: tls)
    return try await withStarted(registry, stop: { await $0.stop() }, body)
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestSupportError("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestSupportError("getsockname() failed") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// The status code of a plain `GET` on 127.0.0.1:port, or nil when nothing answers (1 s timeout).
/// Raw sockets keep the readiness probe independent of the HTTP client under test.
public func httpStatus(port: Int, path: String) -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
    let sent = request.withCString { send(fd, $0, strlen($0), 0) }
    guard sent > 0 else { return nil }
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = recv(fd, &buffer, buffer.count, 0)
    guard n >= 12 else { return nil }
    // "HTTP/1.x NNN"
    return Int(String(decoding: buffer[9..<12], as: UTF8.self))
}

/// PEM paths of a test CA and a server certificate + key it signed.
struct TestCertificates {
    var ca: String
    var certificate: String
    var key: String
}

/// Creates, with the `openssl` CLI, a CA and a server certificate for IP 127.0.0.1 (P-256, 2 days).
func makeTestCertificates(in dir: TempDir) async throws -> TestCertificates {
    let openssl = "/usr/bin/openssl"
    let ca = dir.file("ca.pem"), caKey = dir.file("ca.key")
    let certificate = dir.file("server.pem"), key = dir.file("server.key"), csr = dir.file("server.csr")
    // Verifiers insist on the CA flag and key usages; the SAN, not the CN, is what names the host.
    let extensions = try dir.write("server.ext", Data("""
        subjectAltName=IP:127.0.0.1
        basicConstraints=critical,CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth

        """.utf8))
    let steps: [[String]] = [
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", caKey,
         "-out", ca, "-days", "2", "-subj", "/CN=winimg test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
         "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", certificate,
         "-days", "2", "-extfile", extensions],
    ]
    for args in steps {
        let result = try await run(openssl, args, timeout: 30)
        guard result.status == 0 else {
            throw TestSupportError("openssl \(args.joined(separator: " ")) failed: \(result.stderrString)")
        }
    }
    return TestCertificates(ca: ca, certificate: certificate, key: key)
}
