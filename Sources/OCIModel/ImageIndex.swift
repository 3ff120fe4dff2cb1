import Foundation

/// An image index (OCI) or manifest list (Docker) kept as its JSON object.
public struct ImageIndex: Sendable {
    /// The whole index; edits here are what `encoded()` writes.
    public var json: JSONObject

    /// Parses and checks an index: `schemaVersion` 2 and a `manifests` array of descriptors.
    /// - Throws: `OCIModelError.invalidJSON` or `.invalidDocument`.
    public init(data: Data) throws {
        let object = try DocumentCheck.object(data, kind: "image index")
        let mediaType = object["mediaType"]?.stringValue
        if MediaType.isImageManifest(mediaType) || (object["manifests"] == nil && object["layers"] != nil) {
            throw OCIModelError.invalidDocument(
                "expected an image index but found a single-image manifest; read it with ImageManifest instead")
        }
        try DocumentCheck.schemaVersion2(object, kind: "image index")
        guard let manifests = object["manifests"]?.arrayValue else {
            throw OCIModelError.invalidDocument("image index has no \"manifests\" array")
        }
        for (i, entry) in manifests.enumerated() { _ = try Descriptor(json: entry, context: "manifests[\(i)]") }
        json = object
    }

    /// The `mediaType` written in the body, if any.
    public var mediaType: String? { json["mediaType"]?.stringValue }

    /// The entries, in document order.
    public var manifests: [Descriptor] {
        get throws {
            let entries = json["manifests"]?.arrayValue ?? []
            return try entries.enumerated().map { try Descriptor(json: $1, context: "manifests[\($0)]") }
        }
    }

    /// A new index: `schemaVersion` 2, `mediaType`, `manifests`, then `annotations` (keys sorted) if given.
    public static func make(mediaType: String, manifests: [Descriptor],
                            annotations: [String: String]? = nil) -> ImageIndex {
        var object = JSONObject()
        object["schemaVersion"] = .int(2)
        object["mediaType"] = .string(mediaType)
        object["manifests"] = .array(manifests.map { .object($0.jsonObject) })
        if let annotations { object["annotations"] = .object(JSONObject.sortedStrings(annotations)) }
        return ImageIndex(json: object)
    }

    private init(json: JSONObject) { self.json = json }

    /// The index as compact JSON, the bytes to digest and push.
    public func encoded() -> Data { JSONValue.object(json).data }
}
