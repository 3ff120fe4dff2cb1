import Foundation
import Testing
@testable import OCIModel

private let digest = "sha256:" + String(repeating: "ab", count: 32)

/// Proves the schema harness can say no, so the positive checks elsewhere mean something.
@Suite struct SchemaValidationTests {
    @Test(arguments: [
        (SchemaValidation.Kind.manifest, #"{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":"12"},"layers":[]}"#),
        (.manifest, #"{"schemaVersion":1,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(digest)","size":12},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(digest)","size":1}]}"#),
        (.index, #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"not-a-digest","size":1}]}"#),
        (.descriptor, #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1}"#),
        (.layout, #"{"imageLayoutVersion":"2.0.0"}"#),
    ])
    func invalidDocumentsFail(kind: SchemaValidation.Kind, json: String) async throws {
        let result = try await SchemaValidation.validate(Data(json.utf8), as: kind)
        #expect(result.status == 1, "expected a schema failure, got status \(result.status): \(result.messages)")
    }

    @Test func validLayoutPasses() async throws {
        let result = try await SchemaValidation.validate(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), as: .layout)
        #expect(result.isValid, "\(result.messages)")
    }
}
