/// A content digest, `algorithm:encoded`, as defined by the OCI image spec (descriptor.md, "Digests").
///
/// Only `sha256` and `sha512` are accepted for content we verify; other registered-looking algorithms
/// parse (so foreign manifests can be read) but `isVerifiable` is false for them.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The algorithm part, for example `sha256`.
    public let algorithm: String
    /// The encoded (hex) part.
    public let encoded: String

    /// Parses and validates `algorithm:encoded`.
    /// - Throws: `OCIModelError.invalidDigest` with the reason.
    public init(_ string: String) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw OCIModelError.invalidDigest(string, reason: "expected ALGORITHM:HEX, e.g. sha256:<64 hex digits>")
        }
        let algorithm = String(string[..<colon])
        let encoded = String(string[string.index(after: colon)...])
        try self.init(algorithm: algorithm, encoded: encoded, original: string)
    }

    /// Builds a digest from its parts, validating both.
    public init(algorithm: String, encoded: String) throws {
        try self.init(algorithm: algorithm, encoded: encoded, original: "\(algorithm):\(encoded)")
    }

    private init(algorithm: String, encoded: String, original: String) throws {
        // Grammar: algorithm-component ([+._-] algorithm-component)*, component [a-z0-9]+
        let algOK = !algorithm.isEmpty && algorithm.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2e || c == 0x5f || c == 0x2d
        } && !"+._-".contains(algorithm.first!) && !"+._-".contains(algorithm.last!)
        guard algOK else {
            throw OCIModelError.invalidDigest(original, reason: "algorithm '\(algorithm)' is not a valid digest algorithm")
        }
        switch algorithm {
        case "sha256", "sha512":
            let expected = algorithm == "sha256" ? 64 : 128
            guard encoded.utf8.count == expected else {
                throw OCIModelError.invalidDigest(original, reason: "\(algorithm) needs \(expected) hex digits, found \(encoded.utf8.count)")
            }
            guard encoded.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw OCIModelError.invalidDigest(original, reason: "\(algorithm) digits must be lowercase hex [0-9a-f]")
            }
        default:
            // encoded ::= [a-zA-Z0-9=_-]+
            guard !encoded.isEmpty, encoded.utf8.allSatisfy({ c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x3d || c == 0x5f || c == 0x2d
            }) else {
                throw OCIModelError.invalidDigest(original, reason: "encoded part must match [a-zA-Z0-9=_-]+")
            }
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// `sha256` digest of a hex string already known to be valid (internal fast path).
    public init(sha256Hex hex: String) throws { try self.init(algorithm: "sha256", encoded: hex) }

    /// True for algorithms this project can compute and therefore verify.
    public var isVerifiable: Bool { algorithm == "sha256" }

    public var description: String { "\(algorithm):\(encoded)" }

    /// The path of this blob inside an OCI image layout, `blobs/<alg>/<encoded>`.
    public var layoutPath: String { "blobs/\(algorithm)/\(encoded)" }

    /// A short form for human output, `sha256:0123456789ab`.
    public var short: String { "\(algorithm):\(encoded.prefix(12))" }

    public static func < (a: Digest, b: Digest) -> Bool { a.description < b.description }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        try self.init(s)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
