import Foundation
import Testing
@testable import OCIModel

@Suite struct ImageManifestTests {
    private func serialized(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    @Test func readsTypedViews() throws {
        let manifest = try ImageManifest(data: Data(Fixtures.windowsManifest.utf8))
        #expect(manifest.mediaType == MediaType.dockerManifest)
        #expect(try manifest.config.digest.description == Fixtures.digest("b"))
        let layers = try manifest.layers
        #expect(manifest.layerCount == 2)
        #expect(layers.map(\.size) == [101145811, 1669])
        #expect(layers[0].isNonDistributable)
        #expect(layers[0].urls?.count == 1)
        #expect(layers[1].annotations == ["z": "1", "a": "2"])
    }

    @Test func unmodifiedManifestEncodesToTheSameBytes() throws {
        let input = Data(Fixtures.windowsManifest.utf8)
        #expect(try ImageManifest(data: input).encoded() == input)
    }

    @Test func patchKeepsUnknownFieldsAndBaseLayersByteIdentical() throws {
        var manifest = try ImageManifest(data: Data(Fixtures.windowsManifest.utf8))
        let baseLayers = manifest.layerValues.map(serialized)
        let topKeys = manifest.json.keys

        let newConfig = try Fixtures.descriptor(MediaType.dockerConfig, "d", size: 2048)
        let newLayer = try Fixtures.descriptor(MediaType.dockerLayerGzip, "e", size: 99)
        manifest.setConfig(newConfig)
        manifest.appendLayer(newLayer)

        let reread = try ImageManifest(data: manifest.encoded())
        #expect(reread.json.keys == topKeys)
        #expect(reread.json["x-top"] == .array([.bool(true), .null, .number("-0")]))
        #expect(reread.layerCount == 3)
        #expect(Array(reread.layerValues.prefix(2).map(serialized)) == baseLayers)
        #expect(try reread.layers.last == newLayer)
        #expect(try reread.config == newConfig)
        // The old config object is replaced, not merged: no leftover keys, canonical key order.
        #expect(reread.json["config"]?.objectValue?.keys == ["mediaType", "digest", "size"])
    }

    @Test func patchedOCIManifestPassesTheSchema() async throws {
        let base = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(Fixtures.digest("b"))","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(Fixtures.digest("a"))","size":5,"annotations":{"org.opencontainers.image.title":"base"}}],"annotations":{"x":"y"}}"#
        var manifest = try ImageManifest(data: Data(base.utf8))
        manifest.setConfig(try Fixtures.descriptor(MediaType.ociConfig, "c", size: 700))
        manifest.appendLayer(try Fixtures.descriptor(MediaType.ociLayerGzip, "d", size: 12))
        let result = try await SchemaValidation.validate(manifest.encoded(), as: .manifest)
        #expect(result.isValid, "\(result.messages)")
        // A patched Docker manifest has the same shape, so it passes the OCI schema as well.
        var docker = try ImageManifest(data: Data(Fixtures.windowsManifest.utf8))
        docker.appendLayer(try Fixtures.descriptor(MediaType.dockerLayerGzip, "e", size: 1))
        let dockerResult = try await SchemaValidation.validate(docker.encoded(), as: .manifest)
        #expect(dockerResult.isValid, "\(dockerResult.messages)")
    }

    @Test(arguments: [
        (#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[],"history":[]}"#, "schema 1"),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws","config":{},"layers":[]}"#, "schema 1"),
        (#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#, "index"),
        (#"{"schemaVersion":3,"config":{},"layers":[]}"#, "schemaVersion"),
        (#"{"config":{},"layers":[]}"#, "schemaVersion"),
        (#"{"schemaVersion":2,"layers":[]}"#, "config"),
        (#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"\#(Fixtures.digest("a"))","size":1}}"#, "layers"),
        (#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"\#(Fixtures.digest("a"))","size":-1},"layers":[]}"#, "size"),
        (#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"\#(Fixtures.digest("a"))","size":1},"layers":[{"digest":"\#(Fixtures.digest("a"))","size":1}]}"#, "layers[0]"),
        (#"[]"#, "JSON object"),
    ])
    func rejectsNonManifests(json: String, fragment: String) {
        do {
            _ = try ImageManifest(data: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(fragment), "error \(error) lacks \(fragment.debugDescription)")
        }
    }

    @Test func schema1MessageTellsHowToFixIt() {
        #expect(throws: OCIModelError.invalidDocument("schema 1 manifests are not supported; re-push the image with a current client")) {
            try ImageManifest(data: Data(#"{"schemaVersion":1}"#.utf8))
        }
    }
}
