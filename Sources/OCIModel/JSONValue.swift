/// A JSON value that keeps what a byte-oriented patcher needs: object keys in source order and numbers
/// as their exact source text.
///
/// Base manifests and configs come from other tools; fields we do not model must survive a patch, and a
/// number such as `12345678901234567890` or `1e3` must not be reformatted by a round trip through
/// `Double`. Equality compares structure *and* object key order.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source, e.g. `-0`, `1e3`, `12345678901234567890`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object: unique keys, kept in insertion (source) order.
///
/// Lookup is by a key index, so large objects stay cheap; removal re-indexes.
/// Keys are Swift `String`s, so two keys that differ only in Unicode normalisation count as the same key.
public struct JSONObject: Hashable, Sendable, Sequence {
    private var entryKeys: [String] = []
    private var entryValues: [JSONValue] = []
    private var positions: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// An object with `pairs` in the given order. A repeated key replaces the earlier value in place,
    /// so the result always has unique keys.
    public init(_ pairs: [(String, JSONValue)]) {
        for (key, value) in pairs { self[key] = value }
    }

    /// The value for `key`. Setting `nil` removes the key; setting a new key appends it at the end;
    /// setting an existing key replaces its value in place (its position is kept).
    public subscript(key: String) -> JSONValue? {
        get { positions[key].map { entryValues[$0] } }
        set {
            if let newValue {
                if let i = positions[key] {
                    entryValues[i] = newValue
                } else {
                    positions[key] = entryKeys.count
                    entryKeys.append(key)
                    entryValues.append(newValue)
                }
            } else if let i = positions.removeValue(forKey: key) {
                entryKeys.remove(at: i)
                entryValues.remove(at: i)
                for j in i..<entryKeys.count { positions[entryKeys[j]] = j }
            }
        }
    }

    /// The keys in stored order.
    public var keys: [String] { entryKeys }

    /// The number of keys.
    public var count: Int { entryKeys.count }

    /// True when the object has no keys.
    public var isEmpty: Bool { entryKeys.isEmpty }

    /// Iterates `(key, value)` pairs in stored order.
    public struct Iterator: IteratorProtocol {
        fileprivate let object: JSONObject
        fileprivate var index = 0

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard index < object.entryKeys.count else { return nil }
            defer { index += 1 }
            return (object.entryKeys[index], object.entryValues[index])
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }

    // The position index is derived from the keys, so only keys and values take part in equality.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.entryKeys == b.entryKeys && a.entryValues == b.entryValues
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entryKeys)
        hasher.combine(entryValues)
    }
}
