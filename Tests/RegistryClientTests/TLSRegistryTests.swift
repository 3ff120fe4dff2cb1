import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("TLS registries")
struct TLSRegistryTests {
    @Test func trustedThroughCAFilePushesAndPulls() async throws {
        try await withTestRegistry(tls: true) { registry in
            let caFile = try #require(registry.caFile)
            let client = RegistryClient(host: registry.host, options: RegistryOptions(caFile: caFile, retry: fastRetry))
            try await client.ping()
            #expect(await client.baseURL == "https://\(registry.host)")

            let blob = pseudoRandomData(count: 1 << 20, seed: 77)
            try await client.uploadBlob(repository: "tls/app", digest: sha256(blob), data: blob)
            #expect(try await client.blobData(repository: "tls/app", digest: sha256(blob), maxSize: 2 << 20) == blob)
            let image = TestImage(family: .oci, seed: 78)
            try await image.push(to: client, repository: "tls/app", tag: "v1")
            #expect(try await client.manifest(repository: "tls/app", reference: "v1").bytes == image.manifest)
            try await client.shutdown()
        }
    }

    /// Without the CA the loopback HTTP fallback must not hide the problem: the server speaks TLS,
    /// its certificate is just not trusted. Listing the host as insecure changes nothing.
    @Test(arguments: [false, true])
    func untrustedCertificateIsReportedNotBypassed(_ listedInsecure: Bool) async throws {
        try await withTestRegistry(tls: true) { registry in
            let options = RegistryOptions(insecureHosts: listedInsecure ? [registry.host] : [], retry: fastRetry)
            let client = RegistryClient(host: registry.host, options: options)
            let error = await #expect(throws: RegistryError.self) { try await client.ping() }
            guard case let .untrustedCertificate(host, _)? = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(host == registry.host)
            #expect(error?.description.contains("--ca-file") == true)
            #expect(error?.description.contains("not trusted") == true)
            #expect(error?.description.contains("trusted CA") == true)   // readable, not a BoringSSL stack
            #expect(await client.baseURL == nil)
            // Reported at once: one HTTPS attempt, no retries, no plain-HTTP attempt.
            #expect(await client.stats.requests == 1)
            try await client.shutdown()
        }
    }

    @Test func aDifferentCAIsNotTrusted() async throws {
        try await withTestRegistry(tls: true) { other in
            try await withTestRegistry(tls: true) { registry in
                let client = RegistryClient(host: registry.host, options: RegistryOptions(caFile: other.caFile))
                let error = await #expect(throws: RegistryError.self) { try await client.ping() }
                guard case let .untrustedCertificate(host, _)? = error else {
                    Issue.record("unexpected error \(String(describing: error))")
                    return
                }
                #expect(host == registry.host)
                try await client.shutdown()
            }
        }
    }

    @Test func unusableCAFileIsReportedWithItsPath() async throws {
        try await withTempDir { dir in
            let notPEM = try dir.write("ca.pem", Data("not a certificate\n".utf8))
            for path in [dir.file("missing.pem"), notPEM] {
                let client = RegistryClient(host: "127.0.0.1:9", options: RegistryOptions(caFile: path))
                let error = await #expect(throws: RegistryError.self) { try await client.ping() }
                guard case let .io(reported, reason)? = error else {
                    Issue.record("unexpected error \(String(describing: error))")
                    continue
                }
                #expect(reported == path)
                #expect(reason.contains("CA file"))
                #expect(reason.contains(path == notPEM ? "no readable PEM certificate" : "no such file"), "\(reason)")
                #expect(reason.contains("give --ca-file a PEM file"), "\(reason)")
                try await client.shutdown()
            }
        }
    }
}
