import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("Registry manifests (docker-registry 2.8)")
struct RegistryManifestTests {
    @Test(arguments: [MediaType.Family.oci, .docker])
    func manifestRoundTrip(_ family: MediaType.Family) async throws {
        let image = TestImage(family: family, seed: family == .oci ? 11 : 12)
        try await withRegistryClient { client, registry in
            let pushed = try await image.push(to: client, repository: "round/trip", tag: "v1")
            #expect(pushed == image.digest)

            let byTag = try await client.manifest(repository: "round/trip", reference: "v1")
            #expect(byTag == FetchedManifest(bytes: image.manifest, mediaType: family.manifest, digest: image.digest))
            let byDigest = try await client.manifest(repository: "round/trip", reference: image.digest.description)
            #expect(byDigest.bytes == image.manifest)

            let head = try await client.manifestExists(repository: "round/trip", reference: "v1")
            #expect(head == image.descriptor)
            #expect(try await client.manifestExists(repository: "round/trip", reference: "nope") == nil)

            // An independent client sees exactly our bytes.
            let raw = try await Skopeo.inspectRaw("docker://\(registry.host)/round/trip:v1")
            #expect(raw == image.manifest)
            #expect(await client.stats.manifestsPushed == 1)
        }
    }

    @Test func indexIsRejectedUntilItsChildrenExist() async throws {
        let amd64 = TestImage(family: .oci, seed: 21)
        let arm64 = TestImage(family: .oci, seed: 22)
        let index = indexBytes([amd64.descriptor, arm64.descriptor],
                               platforms: [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64")])
        try await withRegistryClient { client, registry in
            do {
                try await client.putManifest(repository: "multi", reference: "latest", bytes: index, mediaType: MediaType.ociIndex)
                Issue.record("the registry accepted an index with missing children")
            } catch let error as RegistryError {
                #expect(error.status == 400)
                #expect(error.registryCodes.contains("MANIFEST_BLOB_UNKNOWN"))
                #expect(error.description.contains("MANIFEST_BLOB_UNKNOWN"))
                #expect(error.description.contains("PUT \(registry.host)/v2/multi/manifests/latest"))
            }
            // Children first (by digest, untagged), then the index.
            for image in [amd64, arm64] {
                try await image.push(to: client, repository: "multi", tag: image.digest.description)
            }
            let digest = try await client.putManifest(repository: "multi", reference: "latest", bytes: index, mediaType: MediaType.ociIndex)
            let fetched = try await client.manifest(repository: "multi", reference: "latest")
            #expect(fetched.digest == digest)
            #expect(fetched.mediaType == MediaType.ociIndex)
            #expect(MediaType.isIndex(fetched.mediaType))

            // skopeo copies the whole index into a layout; our reader resolves it and its children.
            try await withTempDir { dir in
                let layoutDir = dir.file("copy")
                try await Skopeo.copyAll(from: "docker://\(registry.host)/multi:latest", to: "oci:\(layoutDir):latest", preserveDigests: true)
                let source = OCILayoutSource(layout: OCILayout(root: layoutDir))
                let top = try await source.manifest("latest")
                #expect(top.bytes == index)
                let child = try await source.manifest(arm64.digest.description)
                #expect(child.bytes == arm64.manifest)
                #expect(child.mediaType == MediaType.ociManifest)
                #expect(try await source.blobData(sha256(arm64.config), maxSize: 1 << 16) == arm64.config)
            }
        }
    }

    @Test func pushByDigestMustMatchTheBytes() async throws {
        let image = TestImage(family: .oci, seed: 31)
        let client = RegistryClient(host: "127.0.0.1:1")
        let other = sha256(Data("x".utf8))
        await #expect(throws: RegistryError.digestMismatch(expected: other, actual: image.digest, context: "manifest to push")) {
            try await client.putManifest(repository: "r", reference: other.description, bytes: image.manifest, mediaType: image.mediaType)
        }
        try await client.shutdown()
    }
}
