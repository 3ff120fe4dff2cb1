import Foundation
import OCIModel
import Testing
@testable import RegistryClient

@Suite("Hosts, URLs and error text")
struct HostAndURLTests {
    @Test(arguments: [
        ("localhost", true), ("localhost:5000", true), ("127.0.0.1:5000", true), ("127.1.2.3", true),
        ("[::1]:5000", true), ("[::1]", true), ("128.0.0.1:5000", false), ("127.0.0.1.example.com", false),
        ("registry-1.docker.io", false), ("mcr.microsoft.com:443", false), ("[::2]:5000", false),
    ])
    func loopback(_ host: String, _ expected: Bool) {
        #expect(RegistryClient.isLoopback(host) == expected)
    }

    @Test func locationResolution() {
        let base = "http://127.0.0.1:5000/v2/a/blobs/uploads/"
        #expect(RegistryClient.resolve("/v2/a/blobs/uploads/u1?_state=xyz", against: base)
            == "http://127.0.0.1:5000/v2/a/blobs/uploads/u1?_state=xyz")
        #expect(RegistryClient.resolve("https://storage.test/up/1?sig=abc", against: base) == "https://storage.test/up/1?sig=abc")
        #expect(RegistryClient.appendingQuery("http://h/v2/u?_state=a%2Bb", "digest", "sha256:00")
            == "http://h/v2/u?_state=a%2Bb&digest=sha256%3A00")
        #expect(RegistryClient.appendingQuery("http://h/v2/u", "digest", "sha256:00") == "http://h/v2/u?digest=sha256%3A00")
    }

    @Test func errorDescriptionHasCodeAndPathButNoQuery() {
        let body = Data(#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:ab"}]}"#.utf8)
        let (host, path) = RegistryClient.display("http://127.0.0.1:5000/v2/app/blobs/uploads/u?_state=SECRETSTATE&digest=x")
        let error = RegistryError.http(status: 400, method: "PUT", host: host, path: path,
                                       errors: RegistryErrorDetail.parse(body), body: nil)
        #expect(error.registryCodes == ["MANIFEST_BLOB_UNKNOWN"])
        #expect(error.description.contains("PUT 127.0.0.1:5000/v2/app/blobs/uploads/u"))
        #expect(error.description.contains("HTTP 400"))
        #expect(error.description.contains("MANIFEST_BLOB_UNKNOWN: blob unknown to registry"))
        #expect(!error.description.contains("SECRETSTATE"))
        #expect(RegistryErrorDetail.parse(Data("404 page not found".utf8)).isEmpty)
    }

    @Test func manifestMediaTypeRules() throws {
        let oci = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#.utf8)
        let bare = Data(#"{"schemaVersion":2}"#.utf8)
        let fail = { (reason: String) in RegistryError.invalidResponse(method: "GET", host: "h", path: "/p", reason: reason) }
        #expect(try RegistryClient.manifestMediaType(contentType: "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
                                                     body: oci, describe: fail) == MediaType.ociManifest)
        #expect(try RegistryClient.manifestMediaType(contentType: "application/json", body: oci, describe: fail) == MediaType.ociManifest)
        #expect(try RegistryClient.manifestMediaType(contentType: MediaType.ociIndex, body: bare, describe: fail) == MediaType.ociIndex)
        #expect(throws: RegistryError.self) {
            try RegistryClient.manifestMediaType(contentType: MediaType.dockerManifest, body: oci, describe: fail)
        }
        #expect(throws: RegistryError.self) {
            try RegistryClient.manifestMediaType(contentType: nil, body: bare, describe: fail)
        }
    }

    @Test(arguments: ["https://example.com", "", "user@example.com", "example.com/v2"])
    func rejectsHostsWithSchemeOrPath(_ host: String) async throws {
        let client = RegistryClient(host: host)
        await #expect(throws: RegistryError.invalidHost(host, reason: "expected host[:port] without scheme, path or user")) {
            try await client.ping()
        }
        try await client.shutdown()
    }
}
