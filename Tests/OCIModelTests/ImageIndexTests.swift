import Foundation
import Testing
@testable import OCIModel

@Suite struct ImageIndexTests {
    static func entries() throws -> [Descriptor] {
        [
            try Fixtures.descriptor(MediaType.ociManifest, "1", size: 500,
                                    platform: Platform(os: "linux", architecture: "arm64", variant: "v8")),
            try Fixtures.descriptor(MediaType.ociManifest, "2", size: 600,
                                    platform: Platform(os: "windows", architecture: "amd64",
                                                       osVersion: "10.0.20348.2700", osFeatures: ["win32k"])),
            try Fixtures.descriptor(MediaType.ociManifest, "3", size: 700),
        ]
    }

    @Test func makeWritesCanonicalKeyOrder() throws {
        let index = ImageIndex.make(mediaType: MediaType.ociIndex, manifests: try Self.entries(),
                                    annotations: ["org.opencontainers.image.source": "https://example.com/x", "a": "b"])
        #expect(index.json.keys == ["schemaVersion", "mediaType", "manifests", "annotations"])
        #expect(index.json["annotations"]?.objectValue?.keys == ["a", "org.opencontainers.image.source"])
        let manifests = try #require(index.json["manifests"]?.arrayValue)
        #expect(manifests.map { $0.objectValue?.keys ?? [] } == [
            ["mediaType", "digest", "size", "platform"],
            ["mediaType", "digest", "size", "platform"],
            ["mediaType", "digest", "size"],
        ])
        #expect(manifests[0]["platform"]?.objectValue?.keys == ["architecture", "os", "variant"])
        #expect(manifests[1]["platform"]?.objectValue?.keys == ["architecture", "os", "os.version", "os.features"])
        #expect(!String(decoding: index.encoded(), as: UTF8.self).contains("\\/"))
    }

    @Test func makeWithoutAnnotationsOmitsThem() throws {
        let index = ImageIndex.make(mediaType: MediaType.dockerManifestList, manifests: [])
        #expect(index.json.keys == ["schemaVersion", "mediaType", "manifests"])
    }

    @Test func madeIndexRoundTripsAndPassesTheSchema() async throws {
        let entries = try Self.entries()
        let index = ImageIndex.make(mediaType: MediaType.ociIndex, manifests: entries, annotations: ["k": "v"])
        let reread = try ImageIndex(data: index.encoded())
        #expect(try reread.manifests == entries)
        #expect(reread.mediaType == MediaType.ociIndex)
        #expect(reread.encoded() == index.encoded())
        let result = try await SchemaValidation.validate(index.encoded(), as: .index)
        #expect(result.isValid, "\(result.messages)")
    }

    @Test func eachEntryPassesTheDescriptorSchema() async throws {
        for entry in try Self.entries() {
            let result = try await SchemaValidation.validate(JSONValue.object(entry.jsonObject).data, as: .descriptor)
            #expect(result.isValid, "\(result.messages)")
        }
    }

    @Test(arguments: [
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}"#, "single-image manifest"),
        (#"{"schemaVersion":2,"config":{},"layers":[]}"#, "single-image manifest"),
        (#"{"schemaVersion":2}"#, "manifests"),
        (#"{"schemaVersion":1,"manifests":[]}"#, "schemaVersion"),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"sha256:0","size":1}]}"#, "digest"),
        (#"{"schemaVersion":2,"manifests":[{"mediaType":"a/b","digest":"\#(Fixtures.digest("a"))","size":1,"platform":{"os":"linux"}}]}"#, "architecture"),
    ])
    func rejectsNonIndexes(json: String, fragment: String) {
        do {
            _ = try ImageIndex(data: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(fragment), "error \(error) lacks \(fragment.debugDescription)")
        }
    }

    @Test func unknownFieldsOfAReadIndexSurvive() throws {
        let input = #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"\#(Fixtures.digest("a"))","platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.3770","os.features":["win32k"],"x":1}}],"x-extra":{}}"#
        let index = try ImageIndex(data: Data(input.utf8))
        #expect(index.encoded() == Data(input.utf8))
        #expect(try index.manifests.first?.platform?.osFeatures == ["win32k"])
    }
}
