import Foundation

extension JSONValue {
    /// The member `key` of an object; nil when this value is not an object or has no such key.
    ///
    /// Setting a key on a value that is not an object replaces the value with an object holding only that
    /// key (setting `nil` on a non-object does nothing), so `value["a"] = x` always leaves `x` readable.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case let .object(object) = self else { return nil }
            return object[key]
        }
        set {
            if case var .object(object) = self {
                object[key] = newValue
                self = .object(object)
            } else if let newValue {
                self = .object(JSONObject([(key, newValue)]))
            }
        }
    }

    /// The string, for `.string`.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The value of an integer number written without fraction or exponent that fits in `Int64`.
    /// `1e3` and `1.0` give nil: their text is not an integer literal, and we never round.
    public var int64Value: Int64? {
        guard case let .number(text) = self else { return nil }
        return Int64(text)
    }

    /// The elements, for `.array`.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// The object, for `.object`.
    public var objectValue: JSONObject? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// The flag, for `.bool`.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// An array of strings, when this is an array whose elements are all strings.
    public var stringArrayValue: [String]? {
        guard let array = arrayValue else { return nil }
        var result: [String] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let s = element.stringValue else { return nil }
            result.append(s)
        }
        return result
    }

    /// A number holding `v` in its shortest decimal form.
    public static func int(_ v: Int64) -> JSONValue { .number(String(v)) }

    /// An array of strings.
    public static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }

    /// Encodes `value` with `JSONEncoder` (sorted keys, unescaped slashes) and parses the result, so typed
    /// values can be spliced into a patched document.
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try self.init(parsing: encoder.encode(value))
    }

    /// Decodes this value into `T` with `JSONDecoder`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
