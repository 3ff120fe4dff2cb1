/// One challenge of a `WWW-Authenticate` header (RFC 7235 §4.1).
///
/// A header may carry several challenges (`Basic realm="x", Bearer realm="y",service="z"`); parameter
/// values may be quoted strings holding commas, spaces and backslash-escaped quotes — Bearer scopes
/// such as `"repository:a:pull,push repository:b:pull"` do.
public struct AuthChallenge: Sendable, Equatable, CustomStringConvertible {
    /// The scheme, lowercased (`bearer`, `basic`, …); schemes are case-insensitive.
    public var scheme: String
    /// Parameters by lowercased name. Values are unquoted and unescaped.
    public var parameters: [String: String]
    /// The `token68` form (`Negotiate abc==`), which excludes parameters.
    public var token68: String?

    public init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
        self.token68 = token68
    }

    /// A parameter by case-insensitive name.
    public subscript(_ name: String) -> String? { parameters[name.lowercased()] }

    public var description: String {
        let params = parameters.keys.sorted().map { "\($0)=\"\(parameters[$0]!)\"" }.joined(separator: ",")
        return [scheme, token68 ?? params].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Parses every challenge of the given header field values (a response may repeat the header).
    public static func parse(headers: [String]) -> [AuthChallenge] {
        headers.flatMap { parse($0) }
    }

    /// Parses one `WWW-Authenticate` value. Malformed input never throws: parsing stops at the first
    /// syntax error and the challenges read so far are returned (a half-read parameter is dropped),
    /// because a registry that still answers 401 will fail the request with a clear error anyway.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var s = ChallengeScanner(Array(header.utf8))
        var result: [AuthChallenge] = []
        s.skipSpacesAndCommas()
        while !s.atEnd {
            guard let scheme = s.token() else { break }
            var challenge = AuthChallenge(scheme: scheme)
            // A scheme must be separated from what follows by whitespace, a comma or the end.
            guard s.atEnd || s.peek == .space || s.peek == .tab || s.peek == .comma else { break }
            s.skipSpaces()

            let beforeToken68 = s.index
            if let t68 = s.token68() {
                s.skipSpaces()
                if s.atEnd || s.peek == .comma {
                    challenge.token68 = t68
                    result.append(challenge)
                    s.skipSpacesAndCommas()
                    continue
                }
            }
            s.index = beforeToken68

            var malformed = false
            while true {
                s.skipSpacesAndCommas()
                let start = s.index
                guard let name = s.token() else { break }
                s.skipSpaces()
                guard s.peek == .equals else {
                    // Not `name=`: this token starts the next challenge.
                    s.index = start
                    break
                }
                s.index += 1
                s.skipSpaces()
                let value = s.peek == .quote ? s.quotedString() : s.unquotedValue()
                guard let value else { malformed = true; break }
                // RFC 7235: a parameter name appears once per challenge; keep the first.
                if challenge.parameters[name.lowercased()] == nil {
                    challenge.parameters[name.lowercased()] = value
                }
            }
            result.append(challenge)
            if malformed { break }
            s.skipSpacesAndCommas()
        }
        return result
    }
}

/// Byte scanner for the RFC 7230/7235 grammar (token, quoted-string, token68).
private struct ChallengeScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    mutating func skipSpaces() {
        while let c = peek, c == .space || c == .tab { index += 1 }
    }

    mutating func skipSpacesAndCommas() {
        while let c = peek, c == .space || c == .tab || c == .comma { index += 1 }
    }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static func isTokenChar(_ c: UInt8) -> Bool {
        if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) { return true }
        return Array("!#$%&'*+-.^_`|~".utf8).contains(c)
    }

    mutating func token() -> String? {
        let start = index
        while let c = peek, Self.isTokenChar(c) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// An unquoted parameter value. RFC 7235 allows only a token, but some token services send
    /// realms unquoted (`realm=https://auth.example/token`); reading up to the next comma or
    /// whitespace accepts those without changing how valid headers parse.
    mutating func unquotedValue() -> String? {
        let start = index
        while let c = peek, c != .comma, c != .space, c != .tab, c != .quote { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    mutating func token68() -> String? {
        let start = index
        while let c = peek, (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || Array("-._~+/".utf8).contains(c) { index += 1 }
        guard index > start else { return nil }
        while peek == .equals { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// quoted-string with quoted-pair escapes; nil when unterminated.
    mutating func quotedString() -> String? {
        guard peek == .quote else { return nil }
        index += 1
        var out: [UInt8] = []
        while let c = peek {
            index += 1
            switch c {
            case .quote:
                return String(decoding: out, as: UTF8.self)
            case .backslash:
                guard let escaped = peek else { return nil }
                out.append(escaped)
                index += 1
            default:
                out.append(c)
            }
        }
        return nil
    }
}

private extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
}
