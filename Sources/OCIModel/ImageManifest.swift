import Foundation

/// An image manifest (OCI or Docker v2 schema 2) kept as its JSON object.
///
/// Patching edits the JSON in place, so fields this project does not model — and the exact objects of
/// base layers, including foreign-layer `urls` — are written back unchanged.
public struct ImageManifest: Sendable {
    /// The whole manifest; edits here are what `encoded()` writes.
    public var json: JSONObject

    /// Parses and checks a manifest: `schemaVersion` 2 with a `config` descriptor and a `layers` array.
    /// - Throws: `OCIModelError.invalidJSON`, or `.invalidDocument` saying what is missing; schema 1
    ///   manifests get their own message because the only fix is re-pushing the image.
    public init(data: Data) throws {
        let object = try DocumentCheck.object(data, kind: "image manifest")
        let mediaType = object["mediaType"]?.stringValue
        if object["schemaVersion"]?.int64Value == 1 || mediaType == MediaType.dockerManifestV1
            || mediaType == MediaType.dockerManifestV1Signed {
            throw OCIModelError.invalidDocument(
                "schema 1 manifests are not supported; re-push the image with a current client")
        }
        if MediaType.isIndex(mediaType) {
            throw OCIModelError.invalidDocument(
                "expected an image manifest but found an image index (\(mediaType!)); select one platform's manifest from it")
        }
        try DocumentCheck.schemaVersion2(object, kind: "image manifest")
        guard let config = object["config"] else {
            throw OCIModelError.invalidDocument("image manifest has no \"config\" descriptor")
        }
        guard let layers = object["layers"]?.arrayValue else {
            throw OCIModelError.invalidDocument("image manifest has no \"layers\" array")
        }
        // Check the descriptors now so a broken base fails at load time, not halfway through a build.
        _ = try Descriptor(json: config, context: "config")
        for (i, layer) in layers.enumerated() { _ = try Descriptor(json: layer, context: "layers[\(i)]") }
        json = object
    }

    /// The `mediaType` written in the body, if any (OCI makes it optional).
    public var mediaType: String? { json["mediaType"]?.stringValue }

    /// The config descriptor.
    public var config: Descriptor {
        get throws {
            guard let value = json["config"] else {
                throw OCIModelError.invalidDocument("image manifest has no \"config\" descriptor")
            }
            return try Descriptor(json: value, context: "config")
        }
    }

    /// The layer descriptors, base first.
    public var layers: [Descriptor] {
        get throws {
            try layerValues.enumerated().map { try Descriptor(json: $1, context: "layers[\($0)]") }
        }
    }

    /// The raw layer objects, for callers that must copy them untouched.
    public var layerValues: [JSONValue] { json["layers"]?.arrayValue ?? [] }

    /// The number of layers.
    public var layerCount: Int { layerValues.count }

    /// Replaces the config descriptor object entirely (a new config never shares the old one's fields).
    public mutating func setConfig(_ d: Descriptor) {
        json["config"] = .object(d.jsonObject)
    }

    /// Appends a layer descriptor; existing layer objects are left exactly as they were.
    public mutating func appendLayer(_ d: Descriptor) {
        var layers = layerValues
        layers.append(.object(d.jsonObject))
        json["layers"] = .array(layers)
    }

    /// The manifest as compact JSON, the bytes to digest and push.
    public func encoded() -> Data { JSONValue.object(json).data }
}

/// Checks shared by the document types.
enum DocumentCheck {
    static func object(_ data: Data, kind: String) throws -> JSONObject {
        guard let object = try JSONValue(parsing: data).objectValue else {
            throw OCIModelError.invalidDocument("\(kind) must be a JSON object")
        }
        return object
    }

    static func schemaVersion2(_ object: JSONObject, kind: String) throws {
        guard let version = object["schemaVersion"] else {
            throw OCIModelError.invalidDocument("\(kind) has no \"schemaVersion\"; expected 2")
        }
        guard version.int64Value == 2 else {
            throw OCIModelError.invalidDocument("\(kind) has schemaVersion \(String(decoding: version.serialized(), as: UTF8.self)); only 2 is supported")
        }
    }
}
