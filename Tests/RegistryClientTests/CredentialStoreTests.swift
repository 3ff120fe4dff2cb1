import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// One `auths` entry and the credential it must yield for a host.
struct AuthsCase: CustomTestStringConvertible, Sendable {
    var name: String
    var key: String
    var entry: [String: String]
    var host: String
    var expected: Credential?
    var testDescription: String { name }
}

let authsCases: [AuthsCase] = [
    .init(name: "auth with ':' in the password", key: "r.test", entry: ["auth": authField("alice:pa:ss:word")],
          host: "r.test", expected: .basic(username: "alice", password: "pa:ss:word")),
    .init(name: "trailing NULs trimmed", key: "r.test", entry: ["auth": authField("alice:pw\0\0")],
          host: "r.test", expected: .basic(username: "alice", password: "pw")),
    .init(name: "auth without padding", key: "r.test", entry: ["auth": String(authField("ab:c").trimmingCharacters(in: ["="]))],
          host: "r.test", expected: .basic(username: "ab", password: "c")),
    .init(name: "username/password fields", key: "r.test", entry: ["username": "bob", "password": "pw"],
          host: "r.test", expected: .basic(username: "bob", password: "pw")),
    .init(name: "identitytoken", key: "r.test", entry: ["username": "bob", "identitytoken": "refresh-1"],
          host: "r.test", expected: .identityToken("refresh-1")),
    .init(name: "registrytoken", key: "r.test", entry: ["registrytoken": "reg-tok"],
          host: "r.test", expected: .bearer(token: "reg-tok")),
    .init(name: "empty entry (secret in credsStore)", key: "r.test", entry: [:], host: "r.test", expected: nil),
    .init(name: "legacy v1 URL key", key: "https://registry.example.com/v1/", entry: ["auth": authField("u:p")],
          host: "registry.example.com", expected: .basic(username: "u", password: "p")),
    .init(name: "http:// key", key: "http://r.test", entry: ["auth": authField("u:p")],
          host: "r.test", expected: .basic(username: "u", password: "p")),
    .init(name: "key with port", key: "https://localhost:5000/v2/", entry: ["auth": authField("u:p")],
          host: "localhost:5000", expected: .basic(username: "u", password: "p")),
    .init(name: "port must match", key: "localhost:5000", entry: ["auth": authField("u:p")], host: "localhost:5001", expected: nil),
    .init(name: "host names are case-insensitive", key: "R.Test", entry: ["auth": authField("u:p")],
          host: "r.test", expected: .basic(username: "u", password: "p")),
    .init(name: "Docker Hub key for docker.io", key: "https://index.docker.io/v1/", entry: ["auth": authField("hub:pw")],
          host: "docker.io", expected: .basic(username: "hub", password: "pw")),
    .init(name: "Docker Hub key for registry-1.docker.io", key: "https://index.docker.io/v1/", entry: ["auth": authField("hub:pw")],
          host: "registry-1.docker.io", expected: .basic(username: "hub", password: "pw")),
    .init(name: "Docker Hub key for index.docker.io", key: "https://index.docker.io/v1/", entry: ["auth": authField("hub:pw")],
          host: "index.docker.io", expected: .basic(username: "hub", password: "pw")),
    .init(name: "other host gets nothing", key: "a.test", entry: ["auth": authField("u:p")], host: "b.test", expected: nil),
    .init(name: "suffix is not a match", key: "evil-r.test", entry: ["auth": authField("u:p")], host: "r.test", expected: nil),
]

/// A malformed `auths` entry and a fragment its error must contain.
struct BadAuthCase: CustomTestStringConvertible, Sendable {
    var name: String
    var entry: [String: String]
    var message: String
    var testDescription: String { name }
}

let badAuthCases: [BadAuthCase] = [
    .init(name: "empty username", entry: ["auth": authField(":secret-pw-1")], message: "empty username"),
    .init(name: "no colon", entry: ["auth": authField("secret-pw-1")], message: "no ':'"),
    .init(name: "not base64", entry: ["auth": "!!secret-pw-1!!"], message: "not base64"),
    .init(name: "password without username", entry: ["password": "secret-pw-1"], message: "username is empty"),
]

@Suite("Credential store: docker config")
struct CredentialStoreTests {
    @Test(arguments: authsCases)
    func authsEntry(_ c: AuthsCase) async throws {
        try await withCredentialFixture { f in
            try f.writeConfig(["auths": [c.key: c.entry]])
            #expect(try await f.store().credential(for: c.host) == c.expected)
        }
    }

    @Test func exactKeyWinsOverHostnameMatch() async throws {
        try await withCredentialFixture { f in
            try f.writeConfig(["auths": ["https://r.test/v1/": ["auth": authField("legacy:1")],
                                         "r.test": ["auth": authField("exact:2")]]])
            #expect(try await f.store().credential(for: "r.test") == .basic(username: "exact", password: "2"))
        }
    }

    @Test(arguments: badAuthCases)
    func malformedEntriesFailClearlyWithoutTheSecret(_ c: BadAuthCase) async throws {
        try await withCredentialFixture { f in
            try f.writeConfig(["auths": ["r.test": c.entry]])
            let error = await #expect(throws: CredentialError.self) { try await f.store().credential(for: "r.test") }
            let text = try #require(error).description
            #expect(text.contains(c.message))
            #expect(text.contains("docker login r.test"))
            #expect(!text.contains("secret-pw-1"))
        }
    }

    @Test func malformedJSONNamesTheFileNotItsContent() async throws {
        try await withCredentialFixture { f in
            try f.dir.write("docker/config.json", Data(#"{"auths": {"r.test": {"auth": 42, "password": "secret-pw-2"}}}"#.utf8))
            let error = #expect(throws: CredentialError.self) { try f.store() }
            let text = try #require(error).description
            #expect(text.contains(f.configDir + "/config.json"))
            #expect(text.contains("auths.r.test.auth"))
            #expect(!text.contains("secret-pw-2"))
        }
    }

    @Test func configLocation() async throws {
        try await withCredentialFixture { f in
            try f.dir.write("home/.docker/config.json", Data(#"{"auths":{"r.test":{"auth":"\#(authField("home:1"))"}}}"#.utf8))
            try f.dir.write("podman/auth.json", Data(#"{"auths":{"r.test":{"auth":"\#(authField("podman:2"))"}}}"#.utf8))
            try f.writeConfig(["auths": ["r.test": ["auth": authField("docker:3")]]])
            let home = ["HOME": f.dir.file("home")]
            // $DOCKER_CONFIG beats $HOME; $REGISTRY_AUTH_FILE beats both; an explicit path beats all.
            #expect(try await CredentialStore(environment: home).credential(for: "r.test") == .basic(username: "home", password: "1"))
            #expect(try await f.store().credential(for: "r.test") == .basic(username: "docker", password: "3"))
            #expect(try await f.store(["REGISTRY_AUTH_FILE": f.dir.file("podman/auth.json")]).credential(for: "r.test")
                    == .basic(username: "podman", password: "2"))
            let explicit = try CredentialStore(environment: f.environment(), configPath: f.dir.file("home/.docker/config.json"))
            #expect(try await explicit.credential(for: "r.test") == .basic(username: "home", password: "1"))
            // A missing default file is no credentials; a missing explicit file is an error.
            #expect(try await CredentialStore(environment: ["HOME": f.dir.file("nowhere")]).credential(for: "r.test") == nil)
            #expect(throws: CredentialError.unreadableConfig(path: f.dir.file("none.json"), reason: "no such file")) {
                try CredentialStore(environment: [:], configPath: f.dir.file("none.json"))
            }
            // An empty file is no configuration, as for docker.
            try f.dir.write("empty.json", Data())
            #expect(try await CredentialStore(environment: [:], configPath: f.dir.file("empty.json")).credential(for: "r.test") == nil)
        }
    }

    @Test func environmentCredentialsForDestinationHosts() async throws {
        try await withCredentialFixture { f in
            try f.writeConfig(["auths": ["dest.test": ["auth": authField("file:1")], "other.test": ["auth": authField("file:2")]]])
            let ci = [CredentialStore.usernameVariable: "ci-user", CredentialStore.passwordVariable: "ci-pw"]
            let store = try f.store(ci, explicit: ["flag.test": .basic(username: "flag", password: "3")],
                                    environmentHosts: ["dest.test", "flag.test"])
            #expect(try await store.credential(for: "dest.test") == .basic(username: "ci-user", password: "ci-pw"))
            // Only for the named hosts, and never over an explicit flag credential.
            #expect(try await store.credential(for: "other.test") == .basic(username: "file", password: "2"))
            #expect(try await store.credential(for: "flag.test") == .basic(username: "flag", password: "3"))
            // adding(_:for:) is how --username/--password-stdin reach the store.
            let added = store.adding(.basic(username: "stdin", password: "4"), for: ["other.test"])
            #expect(try await added.credential(for: "other.test") == .basic(username: "stdin", password: "4"))

            #expect(throws: CredentialError.incompleteEnvironment(present: CredentialStore.usernameVariable,
                                                                   missing: CredentialStore.passwordVariable)) {
                try f.store([CredentialStore.usernameVariable: "ci-user"], environmentHosts: ["dest.test"])
            }
            #expect(throws: CredentialError.incompleteEnvironment(present: CredentialStore.passwordVariable,
                                                                   missing: CredentialStore.usernameVariable)) {
                try f.store([CredentialStore.passwordVariable: "ci-pw"], environmentHosts: ["dest.test"])
            }
        }
    }
}
