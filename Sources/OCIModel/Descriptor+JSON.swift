extension Descriptor {
    /// The descriptor as a JSON object: `mediaType`, `digest`, `size`, then `platform`, `urls`,
    /// `annotations` (keys sorted), `artifactType`; absent fields are omitted.
    public var jsonObject: JSONObject {
        var object = JSONObject()
        object["mediaType"] = .string(mediaType)
        object["digest"] = .string(digest.description)
        object["size"] = .int(size)
        if let platform { object["platform"] = .object(platform.jsonObject) }
        if let urls { object["urls"] = .strings(urls) }
        if let annotations { object["annotations"] = .object(JSONObject.sortedStrings(annotations)) }
        if let artifactType { object["artifactType"] = .string(artifactType) }
        return object
    }

    /// Reads a descriptor object; `context` (e.g. `layers[2]`) names it in error messages.
    /// Unknown fields are ignored here — callers that must keep them hold on to the JSON itself.
    /// - Throws: `OCIModelError.invalidDocument` or `.invalidDigest`.
    public init(json: JSONValue, context: String = "descriptor") throws {
        guard let object = json.objectValue else {
            throw OCIModelError.invalidDocument("\(context) must be a JSON object")
        }
        guard let mediaType = object["mediaType"]?.stringValue else {
            throw OCIModelError.invalidDocument("\(context) has no string \"mediaType\"")
        }
        guard let digestText = object["digest"]?.stringValue else {
            throw OCIModelError.invalidDocument("\(context) has no string \"digest\"")
        }
        guard let size = object["size"]?.int64Value, size >= 0 else {
            throw OCIModelError.invalidDocument("\(context) needs a non-negative integer \"size\"")
        }
        self.init(mediaType: mediaType, digest: try Digest(digestText), size: size)
        if let urls = object["urls"], !urls.isNull {
            guard let list = urls.stringArrayValue else {
                throw OCIModelError.invalidDocument("\(context).urls must be an array of strings")
            }
            self.urls = list
        }
        if let annotations = object["annotations"], !annotations.isNull {
            guard let map = annotations.objectValue?.stringDictionary else {
                throw OCIModelError.invalidDocument("\(context).annotations must map strings to strings")
            }
            self.annotations = map
        }
        if let platform = object["platform"], !platform.isNull {
            self.platform = try Platform(json: platform, context: "\(context).platform")
        }
        if let artifactType = object["artifactType"], !artifactType.isNull {
            guard let s = artifactType.stringValue else {
                throw OCIModelError.invalidDocument("\(context).artifactType must be a string")
            }
            self.artifactType = s
        }
    }
}

extension JSONObject {
    /// An object of string values with keys sorted, so generated documents are reproducible.
    public static func sortedStrings(_ map: [String: String]) -> JSONObject {
        JSONObject(map.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
    }

    /// The object as `[String: String]`; nil if any value is not a string.
    public var stringDictionary: [String: String]? {
        var result: [String: String] = [:]
        for (key, value) in self {
            guard let s = value.stringValue else { return nil }
            result[key] = s
        }
        return result
    }
}
