import Foundation
@testable import RegistryClient
import TestSupport

/// A docker config directory with an optional fake `docker-credential-wintest` helper on its own PATH.
struct CredentialFixture {
    let dir: TempDir
    var configDir: String { dir.file("docker") }
    var binDir: String { dir.file("bin") }
    var helperLog: String { dir.file("helper.log") }

    init() throws { dir = try TempDir(prefix: "winimg-cred") }

    /// Writes `config.json` from a JSON object.
    func writeConfig(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try dir.write("docker/config.json", data)
    }

    /// Installs `docker-credential-<name>`: answers `found` URLs with JSON, exits 3 with
    /// `leak` on stdout for `failing` URLs, and "credentials not found" (exit 1) for the rest.
    /// Every server URL it is asked for is appended to `helperLog`.
    func installHelper(_ name: String = "wintest", found: [String: (username: String, secret: String)] = [:],
                       failing: [String: String] = [:]) throws {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }
        var cases = ""
        for (url, value) in found.sorted(by: { $0.key < $1.key }) {
            let json = try JSONSerialization.data(withJSONObject: ["ServerURL": url, "Username": value.username, "Secret": value.secret])
            cases += "  \(quote(url))) printf '%s' \(quote(String(decoding: json, as: UTF8.self))) ;;\n"
        }
        for (url, leak) in failing.sorted(by: { $0.key < $1.key }) {
            cases += "  \(quote(url))) echo \(quote(leak)); echo \(quote(leak)) >&2; exit 3 ;;\n"
        }
        let script = """
        #!/bin/sh
        [ "$1" = get ] || { echo "unsupported action $1"; exit 2; }
        url=$(cat)
        printf '%s\\n' "$url" >> \(quote(helperLog))
        case "$url" in
        \(cases)  *) echo "credentials not found in native keychain"; exit 1 ;;
        esac

        """
        let path = try dir.write("bin/docker-credential-\(name)", Data(script.utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// The environment a store sees: this config dir, the helper dir first on PATH, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["DOCKER_CONFIG": configDir, "PATH": binDir + ":/usr/bin:/bin", "HOME": dir.file("home")]
        env.merge(extra) { $1 }
        return env
    }

    /// Server URLs the helper was asked for, in order.
    func helperCalls() -> [String] {
        String(decoding: FileManager.default.contents(atPath: helperLog) ?? Data(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    func store(_ extra: [String: String] = [:], explicit: [String: Credential] = [:],
               environmentHosts: [String] = []) throws -> CredentialStore {
        try CredentialStore(environment: environment(extra), explicit: explicit, environmentCredentialHosts: environmentHosts)
    }
}

/// base64 of `text`, as docker writes the `auth` field.
func authField(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

/// Runs `body` with a fresh fixture, removed afterwards.
func withCredentialFixture<T>(_ body: (CredentialFixture) async throws -> T) async throws -> T {
    let fixture = try CredentialFixture()
    defer { fixture.dir.remove() }
    return try await body(fixture)
}
