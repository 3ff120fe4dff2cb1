import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Redirects and Location headers through a proxy")
struct FaultRedirectTests {
    /// A 307 to another origin (a second proxy standing in for object storage) is followed without
    /// the registry's Authorization; the registry's own origin still gets it.
    @Test func authorizationStaysWithTheRegistryOrigin() async throws {
        let token = "s3cret-registry-token"
        try await withProxiedClient(credential: .bearer(token: token)) { client, registryProxy, registry in
            try await withFaultProxy(in: registry) { storage in
                let blob = pseudoRandomData(count: 200_000, seed: 11)
                let digest = sha256(blob)
                try await client.uploadBlob(repository: "redir/app", digest: digest, data: blob)
                registryProxy.setRules([.init("GET", "/blobs/sha256:", on: 1...1, .respond(status: 307, headers: [
                    "Location": "http://\(storage.host)/v2/redir/app/blobs/\(digest)?X-Signature=abc",
                ]))])
                #expect(try await client.blobData(repository: "redir/app", digest: digest, maxSize: 1 << 20) == blob)

                let atRegistry = registryProxy.requests.filter { $0.method == "GET" && $0.path.contains("/blobs/") }
                let atStorage = storage.requests
                #expect(atRegistry.count == 1 && atStorage.count == 1)
                #expect(atRegistry.first?.headers.first(name: "Authorization") == "Bearer \(token)")
                #expect(atStorage.first?.headers.contains(name: "Authorization") == false)
            }
        }
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://h/", "http:///nohost"])
    func redirectToAnotherSchemeIsRefused(_ location: String) async throws {
        let rule = FaultProxy.Rule("GET", "/blobs/sha256:", on: FaultProxy.Rule.always,
                                   .respond(status: 302, headers: ["Location": location]))
        try await withProxiedClient(rules: [rule]) { client, proxy, _ in
            let error = await #expect(throws: RegistryError.self) {
                _ = try await client.blobData(repository: "redir/app", digest: sha256(Data("x".utf8)), maxSize: 10)
            }
            guard case let .invalidResponse(method, _, _, reason)? = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(method == "GET" && reason.contains("not http(s)"))
            #expect(proxy.requests.count { $0.path.contains("/blobs/") } == 1)
        }
    }

    @Test func uploadLocationWithAnotherSchemeIsRefused() async throws {
        let rule = FaultProxy.Rule("POST", "/blobs/uploads/$", on: FaultProxy.Rule.always,
                                   .respond(status: 202, headers: ["Location": "file:///tmp/upload"]))
        try await withProxiedClient(rules: [rule]) { client, proxy, _ in
            let blob = Data("hello".utf8)
            let error = await #expect(throws: RegistryError.self) {
                try await client.uploadBlob(repository: "redir/app", digest: sha256(blob), data: blob)
            }
            guard case .invalidResponse? = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(proxy.count("PUT", "/") == 0)
        }
    }
}
