import Foundation

/// What a registry needs to verify the tokens of a signing `TokenServer`.
public struct TokenTrust: Sendable {
    /// The `iss` claim the registry expects.
    public var issuer: String
    /// PEM file with the certificate whose key signs the tokens.
    public var rootCertBundle: String
}

/// A small Bearer token service on 127.0.0.1 (token.md GET flow and oauth.md POST flow), run with
/// python3's http.server.
///
/// By default it hands out opaque `tok-<n>` tokens for registries using `silly` auth. With
/// `Options.signing` it issues ES256 JWTs carrying the requested access, which a registry started
/// with `tokenTrust: server.trust` really verifies — including their expiry. Every request is
/// recorded so tests can check the query, the form fields and which `Authorization` arrived.
public actor TokenServer {
    /// Behaviour switches, each exercising one client code path.
    public struct Options: Sendable, Encodable {
        /// Issue JWTs a `token`-auth registry verifies (needs python3-cryptography).
        public var signing = false
        /// `expires_in` in answers; nil leaves it out (clients must assume 60 s).
        public var expiresIn: Int? = 300
        /// When set, answers carry `issued_at` this many seconds in the past.
        public var issuedAtAge: Double?
        /// Which field holds the token: `token`, `access_token` or `both`.
        public var field = "token"
        /// When set, every POST is answered with this status (404 forces the GET fallback).
        public var postStatus: Int?
        /// When set, every GET is answered with this status.
        public var getStatus: Int?
        /// When non-empty, Basic credentials and password grants must match one of these users.
        public var users: [String: String] = [:]
        /// Refresh tokens accepted by the refresh_token grant (and as `<token>` Basic passwords).
        public var refreshTokens: [String] = []
        /// Whether requests without credentials get tokens.
        public var anonymous = true
        /// The first this-many signed tokens are already expired (the registry refuses them).
        public var expiredTokens = 0
        /// Every signed token is already expired.
        public var alwaysExpired = false
        /// The first this-many requests are answered 503 (an overloaded token service).
        public var unavailableFirst = 0

        public init() {}
    }

    /// One request seen by the token service.
    public struct Request: Sendable, Decodable {
        public var method: String
        public var path: String
        public var authorization: String?
        /// Decoded form fields of a POST body.
        public var form: [String: String]

        /// Decoded query parameters, in order (repeated names kept).
        public var query: [(name: String, value: String)] {
            guard let items = URLComponents(string: path)?.queryItems else { return [] }
            return items.map { ($0.name, $0.value ?? "") }
        }

        public func values(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }
    }

    public nonisolated let realm: String
    /// Set when `Options.signing` is on: pass it to `TestRegistry.start(tokenTrust:)`.
    public nonisolated let trust: TokenTrust?
    private let process: Process
    private let dir: TempDir

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    /// python3 with the `cryptography` module, needed for signed tokens.
    /// (Checked once, synchronously, because test traits need it before any test runs.)
    public static let canSign: Bool = {
        guard isAvailable else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", "import cryptography"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    public static let issuer = "winimg-test-issuer"

    private static let script = #"""
import base64, datetime, http.server, json, signal, sys, threading, time, urllib.parse
# The test runner may hand us SIGTERM ignored or blocked; restore a handler that exits.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
log = open(sys.argv[1], "a")
opts = json.loads(sys.argv[2])
cert_path = sys.argv[3]
lock = threading.Lock()
count = 0
signed = 0

if opts.get("signing"):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "winimg test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def access(scopes):
    # type:name:actions, where the name may itself hold a host:port.
    result = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) < 3:
            continue
        result.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": parts[-1].split(",")})
    return result

def jwt(subject, scopes, expired):
    now = int(time.time())
    exp = now - 3600 if expired else now + 3600
    claims = {"iss": sys.argv[4], "sub": subject or "", "aud": "test-registry", "exp": exp, "nbf": now - 7200,
              "iat": now, "jti": "%d-%f" % (count, time.time()), "access": access(scopes)}
    header = {"typ": "JWT", "alg": "ES256", "x5c": [x5c]}
    signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def basic_user(self):
        # None: no credentials; False: wrong ones; else the user name.
        header = self.headers.get("Authorization")
        if not header:
            return None
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user == "<token>":
            return "refresh-user" if password in opts.get("refreshTokens", []) else False
        users = opts.get("users") or {}
        if users and users.get(user) != password:
            return False
        return user

    def handle_request(self, method, form):
        global count, signed
        with lock:
            count += 1
            n = count
            log.write(json.dumps({"method": method, "path": self.path, "authorization": self.headers.get("Authorization"), "form": form}) + "\n")
            log.flush()
        if n <= opts.get("unavailableFirst", 0):
            return self.answer(503, {"errors": [{"code": "UNAVAILABLE", "message": "service unavailable"}]})
        forced = opts.get("postStatus") if method == "POST" else opts.get("getStatus")
        if forced:
            return self.answer(forced, {"errors": [{"code": "UNSUPPORTED", "message": "method not served"}]})
        if method == "GET":
            user = self.basic_user()
            scopes = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).get("scope", [])
        else:
            grant = form.get("grant_type")
            scopes = form.get("scope", "").split()
            if grant == "refresh_token":
                user = "refresh-user" if form.get("refresh_token") in opts.get("refreshTokens", []) else False
            elif grant == "password":
                users = opts.get("users") or {}
                user = form.get("username") if users.get(form.get("username")) == form.get("password") else False
            else:
                return self.answer(400, {"error": "unsupported_grant_type"})
        if user is False or (user is None and not opts.get("anonymous", True)):
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication failed"}]})
        if opts.get("signing"):
            with lock:
                signed += 1
                expired = opts.get("alwaysExpired") or signed <= opts.get("expiredTokens", 0)
            token = jwt(user, scopes, expired)
        else:
            token = "tok-%d" % n
        field = opts.get("field", "token")
        obj = {"access_token": token} if field == "access_token" else {"token": token}
        if field == "both":
            obj["access_token"] = token
        if opts.get("expiresIn") is not None:
            obj["expires_in"] = opts["expiresIn"]
        if opts.get("issuedAtAge") is not None:
            issued = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=opts["issuedAtAge"])
            obj["issued_at"] = issued.isoformat(timespec="microseconds").replace("+00:00", "Z")
        self.answer(200, obj)

    def do_GET(self):
        self.handle_request("GET", {})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        self.handle_request("POST", form)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
"""#

    private init(realm: String, trust: TokenTrust?, process: Process, dir: TempDir) {
        self.realm = realm
        self.trust = trust
        self.process = process
        self.dir = dir
    }

    /// Starts the service and waits until it reports its port.
    public static func start(_ options: Options = Options()) async throws -> TokenServer {
        let dir = try TempDir(prefix: "winimg-token")
        let scriptPath = try dir.write("server.py", Data(script.utf8))
        let portFile = dir.file("port")
        _ = FileManager.default.createFile(atPath: portFile, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: portFile))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let optionsJSON = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        process.arguments = [scriptPath, dir.file("requests.jsonl"), optionsJSON, dir.file("issuer.pem"), issuer]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        try? out.close()
        for _ in 0..<100 {
            let text = String(decoding: FileManager.default.contents(atPath: portFile) ?? Data(), as: UTF8.self)
            if let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                let trust = options.signing ? TokenTrust(issuer: issuer, rootCertBundle: dir.file("issuer.pem")) : nil
                return TokenServer(realm: "http://127.0.0.1:\(port)/token", trust: trust, process: process, dir: dir)
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
public func withTokenServer<T>(_ options: TokenServer.Options = TokenServer.Options(),
                               _ body: (TokenServer) async throws -> T) async throws -> T {
    let server = try await TokenServer.start(options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
