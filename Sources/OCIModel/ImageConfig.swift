import Foundation

/// An image config (OCI `config.md` / Docker image JSON) kept as its JSON object.
///
/// The accessors read and patch the JSON in place, so fields of a base config this project does not
/// model (`os.version`, `os.features`, `config.Healthcheck`, `Shell` …) are written back unchanged.
public struct ImageConfig: Sendable {
    /// The whole config; edits here are what `encoded()` writes.
    public var json: JSONObject

    /// Parses and checks a config: string `os` and `architecture`, and `rootfs.type` `layers`.
    /// - Throws: `OCIModelError.invalidJSON` or `.invalidDocument`.
    public init(data: Data) throws {
        let object = try DocumentCheck.object(data, kind: "image config")
        guard object["os"]?.stringValue != nil, object["architecture"]?.stringValue != nil else {
            throw OCIModelError.invalidDocument("image config needs string fields \"os\" and \"architecture\"")
        }
        guard object["rootfs"]?["type"]?.stringValue == "layers" else {
            throw OCIModelError.invalidDocument("image config needs \"rootfs\": {\"type\": \"layers\", ...}")
        }
        if let ids = object["rootfs"]?["diff_ids"], !ids.isNull {
            guard let list = ids.stringArrayValue else {
                throw OCIModelError.invalidDocument("image config rootfs.diff_ids must be an array of digest strings")
            }
            for id in list { _ = try Digest(id) }
        }
        json = object
    }

    private init(json: JSONObject) { self.json = json }

    /// A config for an image with no layers yet.
    ///
    /// Key order: `architecture`, `os`, `os.version`, `os.features`, `variant`, `created`, `config`,
    /// `rootfs`, `history` — the platform fields first, as most tools write them.
    public static func scratch(platform: Platform, created: String) -> ImageConfig {
        var object = platform.jsonObject
        object["created"] = .string(created)
        object["config"] = .object(JSONObject())
        object["rootfs"] = .object(JSONObject([("type", .string("layers")), ("diff_ids", .array([]))]))
        object["history"] = .array([])
        return ImageConfig(json: object)
    }

    /// The `os` field (checked at load).
    public var os: String { json["os"]?.stringValue ?? "" }

    /// The `architecture` field (checked at load).
    public var architecture: String { json["architecture"]?.stringValue ?? "" }

    /// The CPU variant, e.g. `v8`.
    public var variant: String? { json["variant"]?.stringValue }

    /// The full Windows version, e.g. `10.0.20348.2700`; setting nil removes it.
    public var osVersion: String? {
        get { json["os.version"]?.stringValue }
        set { json["os.version"] = newValue.map { .string($0) } }
    }

    /// For example `["win32k"]`; setting nil removes it.
    public var osFeatures: [String]? {
        get { json["os.features"]?.stringArrayValue }
        set { json["os.features"] = newValue.map { .strings($0) } }
    }

    /// The platform described by the fields above.
    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
    }

    /// The `created` time; setting nil removes it.
    public var created: String? {
        get { json["created"]?.stringValue }
        set { json["created"] = newValue.map { .string($0) } }
    }

    /// `rootfs.diff_ids`, bottom layer first.
    public var diffIDs: [Digest] {
        get throws {
            guard let ids = json["rootfs"]?["diff_ids"], !ids.isNull else { return [] }
            guard let list = ids.stringArrayValue else {
                throw OCIModelError.invalidDocument("image config rootfs.diff_ids must be an array of digest strings")
            }
            return try list.map { try Digest($0) }
        }
    }

    /// The `history` entries.
    public var history: [HistoryEntry] {
        (json["history"]?.arrayValue ?? []).map(HistoryEntry.init(json:))
    }

    /// Appends a layer: its uncompressed digest to `rootfs.diff_ids` and its entry to `history`.
    public mutating func appendLayer(diffID: Digest, history: HistoryEntry) {
        var rootfs = json["rootfs"] ?? .object(JSONObject([("type", .string("layers"))]))
        var ids = rootfs["diff_ids"]?.arrayValue ?? []
        ids.append(.string(diffID.description))
        rootfs["diff_ids"] = .array(ids)
        json["rootfs"] = rootfs
        appendHistory(history)
    }

    /// Appends a history entry without a layer; use `emptyLayer: true` for it so history and
    /// `diff_ids` stay aligned.
    public mutating func appendHistory(_ h: HistoryEntry) {
        var entries = json["history"]?.arrayValue ?? []
        entries.append(.object(h.jsonObject))
        json["history"] = .array(entries)
    }

    /// The config as compact JSON, the bytes to digest and push.
    public func encoded() -> Data { JSONValue.object(json).data }
}
