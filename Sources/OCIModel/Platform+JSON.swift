extension Platform {
    /// The `platform` object in the key order used by common tools: `architecture`, `os`, `os.version`,
    /// `os.features`, `variant`; absent fields are omitted.
    public var jsonObject: JSONObject {
        var object = JSONObject()
        object["architecture"] = .string(architecture)
        object["os"] = .string(os)
        if let osVersion { object["os.version"] = .string(osVersion) }
        if let osFeatures { object["os.features"] = .strings(osFeatures) }
        if let variant { object["variant"] = .string(variant) }
        return object
    }

    /// Reads a `platform` object; `context` names where it was found for the error message.
    /// - Throws: `OCIModelError.invalidDocument` when `os` or `architecture` is missing or a field has the wrong type.
    public init(json: JSONValue, context: String = "platform") throws {
        guard let object = json.objectValue else {
            throw OCIModelError.invalidDocument("\(context) must be a JSON object")
        }
        guard let os = object["os"]?.stringValue, let architecture = object["architecture"]?.stringValue else {
            throw OCIModelError.invalidDocument("\(context) needs string fields \"os\" and \"architecture\"")
        }
        self.init(os: os, architecture: architecture)
        variant = try Self.optionalString(object["variant"], "\(context).variant")
        osVersion = try Self.optionalString(object["os.version"], "\(context).os.version")
        if let features = object["os.features"], !features.isNull {
            guard let list = features.stringArrayValue else {
                throw OCIModelError.invalidDocument("\(context).os.features must be an array of strings")
            }
            osFeatures = list
        }
    }

    private static func optionalString(_ value: JSONValue?, _ name: String) throws -> String? {
        guard let value, !value.isNull else { return nil }
        guard let s = value.stringValue else { throw OCIModelError.invalidDocument("\(name) must be a string") }
        return s
    }
}
