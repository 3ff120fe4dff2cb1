import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// Which sources hold a credential for `r.test`, and which one must win.
struct PrecedenceCase: CustomTestStringConvertible, Sendable {
    var explicit = false
    var environment = false
    var credHelper = false
    var credsStore = false
    var auths = false
    var expected: String?
    var testDescription: String {
        let set = [("explicit", explicit), ("env", environment), ("credHelpers", credHelper),
                   ("credsStore", credsStore), ("auths", auths)].filter(\.1).map(\.0)
        return (set.isEmpty ? "none" : set.joined(separator: "+")) + " → " + (expected ?? "nil")
    }
}

let precedenceCases: [PrecedenceCase] = [
    .init(expected: nil),
    .init(auths: true, expected: "auths"),
    .init(credsStore: true, expected: "store"),
    .init(credHelper: true, expected: "helper"),
    .init(credsStore: true, auths: true, expected: "store"),
    .init(credHelper: true, auths: true, expected: "helper"),
    .init(credHelper: true, credsStore: true, expected: "helper"),
    .init(credHelper: true, credsStore: true, auths: true, expected: "helper"),
    .init(environment: true, credHelper: true, credsStore: true, auths: true, expected: "env"),
    .init(explicit: true, environment: true, credHelper: true, credsStore: true, auths: true, expected: "explicit"),
    .init(explicit: true, auths: true, expected: "explicit"),
]

@Suite("Credential store: helpers and precedence")
struct CredentialHelperTests {
    /// Two helpers, `wintest` (for credHelpers) and `winstore` (credsStore), each with or without
    /// an answer for `r.test`; the username says which source answered.
    @Test(arguments: precedenceCases)
    func precedence(_ c: PrecedenceCase) async throws {
        try await withCredentialFixture { f in
            try f.installHelper("wintest", found: c.credHelper ? ["r.test": ("helper", "h-pw")] : [:])
            try f.installHelper("winstore", found: c.credsStore ? ["r.test": ("store", "s-pw")] : [:])
            var config: [String: Any] = ["credHelpers": ["r.test": "wintest"], "credsStore": "winstore"]
            if c.auths { config["auths"] = ["r.test": ["auth": authField("auths:a-pw")]] }
            try f.writeConfig(config)
            let env = c.environment ? [CredentialStore.usernameVariable: "env", CredentialStore.passwordVariable: "e-pw"] : [:]
            let store = try f.store(env, explicit: c.explicit ? ["r.test": .basic(username: "explicit", password: "x-pw")] : [:],
                                    environmentHosts: ["r.test"])
            let credential = try await store.credential(for: "r.test")
            guard case let .basic(username, _)? = credential else {
                #expect(c.expected == nil && credential == nil)
                return
            }
            #expect(username == c.expected)
        }
    }

    @Test func helperProtocol() async throws {
        try await withCredentialFixture { f in
            try f.installHelper(found: ["r.test": ("user", "pw:with:colons"), "tok.test": ("<token>", "identity-1"),
                                        CredentialStore.dockerHubKey: ("hub", "hub-pw")])
            try f.writeConfig(["credHelpers": ["r.test": "wintest", "tok.test": "wintest", "missing.test": "wintest",
                                               "https://index.docker.io/v1/": "wintest"]])
            let store = try f.store()
            #expect(try await store.credential(for: "r.test") == .basic(username: "user", password: "pw:with:colons"))
            // Username <token> marks an identity token.
            #expect(try await store.credential(for: "tok.test") == .identityToken("identity-1"))
            // "credentials not found" is no credential, not an error.
            #expect(try await store.credential(for: "missing.test") == nil)
            // Docker Hub is asked for under its v1 URL, whichever name the client uses.
            #expect(try await store.credential(for: "registry-1.docker.io") == .basic(username: "hub", password: "hub-pw"))
            // Answers are kept: asking again does not run the helper again.
            #expect(try await store.credential(for: "r.test") == .basic(username: "user", password: "pw:with:colons"))
            #expect(f.helperCalls() == ["r.test", "tok.test", "missing.test", CredentialStore.dockerHubKey])
        }
    }

    @Test func helperFailureNamesTheHelperNotItsOutput() async throws {
        try await withCredentialFixture { f in
            try f.installHelper(failing: ["r.test": "internal error near secret-helper-output"])
            try f.writeConfig(["credHelpers": ["r.test": "wintest"], "auths": ["r.test": ["auth": authField("a:b")]]])
            let error = await #expect(throws: CredentialError.helperFailed(helper: "wintest", server: "r.test", status: 3)) {
                try await f.store().credential(for: "r.test")
            }
            let text = try #require(error).description
            #expect(text.contains("docker-credential-wintest"))
            #expect(text.contains("r.test"))
            #expect(!text.contains("secret-helper-output"))
        }
    }

    @Test func helperNotInstalledOrBadlyNamed() async throws {
        try await withCredentialFixture { f in
            try f.writeConfig(["credHelpers": ["r.test": "nosuchhelper", "s.test": "../../bin/sh"]])
            let store = try f.store()
            let error = await #expect(throws: CredentialError.self) { try await store.credential(for: "r.test") }
            guard case .helperNotFound(helper: "nosuchhelper", _)? = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(try #require(error).description.contains("install it or remove it"))
            await #expect(throws: CredentialError.invalidHelperName("../../bin/sh")) { try await store.credential(for: "s.test") }
        }
    }

    @Test func helperPrintingGarbageIsAnError() async throws {
        try await withCredentialFixture { f in
            let path = try f.dir.write("bin/docker-credential-wintest", Data("#!/bin/sh\ncat >/dev/null\necho not-json-secret\n".utf8))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            try f.writeConfig(["credsStore": "wintest"])
            let error = await #expect(throws: CredentialError.helperInvalidOutput(helper: "wintest", server: "r.test")) {
                try await f.store().credential(for: "r.test")
            }
            #expect(!(error?.description.contains("not-json-secret") ?? true))
        }
    }

    @Test func hangingHelperTimesOut() async throws {
        try await withCredentialFixture { f in
            let path = try f.dir.write("bin/docker-credential-wintest", Data("#!/bin/sh\nexec sleep 30\n".utf8))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            try f.writeConfig(["credsStore": "wintest"])
            var store = try f.store()
            store.helperTimeout = 0.5
            let start = ContinuousClock.now
            await #expect(throws: CredentialError.helperTimedOut(helper: "wintest", server: "r.test", seconds: 0.5)) {
                try await store.credential(for: "r.test")
            }
            // The helper sleeps 30 s: finishing well before that proves it was killed. The margin is
            // wide because a loaded CI machine runs the timer late; this is not a speed check.
            #expect(ContinuousClock.now - start < .seconds(25))
        }
    }
}
