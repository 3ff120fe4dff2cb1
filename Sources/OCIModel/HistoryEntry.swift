/// One entry of a config's `history` array.
public struct HistoryEntry: Sendable, Hashable {
    /// RFC 3339 time, e.g. `2024-01-02T03:04:05Z`.
    public var created: String?
    /// The command or tool that made the layer, shown by `docker history`.
    public var createdBy: String?
    public var comment: String?
    /// True for entries that did not produce a layer (they have no `diff_ids` partner).
    public var emptyLayer: Bool

    public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil, emptyLayer: Bool = false) {
        self.created = created
        self.createdBy = createdBy
        self.comment = comment
        self.emptyLayer = emptyLayer
    }

    /// `created`, `created_by`, `comment`, `empty_layer`; nil fields and a false `empty_layer` are omitted.
    public var jsonObject: JSONObject {
        var object = JSONObject()
        if let created { object["created"] = .string(created) }
        if let createdBy { object["created_by"] = .string(createdBy) }
        if let comment { object["comment"] = .string(comment) }
        if emptyLayer { object["empty_layer"] = .bool(true) }
        return object
    }

    /// Reads a history object leniently: fields of the wrong type are treated as absent, because old
    /// base images are not ours to fix and history is informational.
    public init(json: JSONValue) {
        self.init(created: json["created"]?.stringValue, createdBy: json["created_by"]?.stringValue,
                  comment: json["comment"]?.stringValue, emptyLayer: json["empty_layer"]?.boolValue ?? false)
    }
}
