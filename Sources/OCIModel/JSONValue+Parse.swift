import Foundation

extension JSONValue {
    /// The deepest array/object nesting accepted. Real manifests nest a handful of levels; the limit
    /// keeps hostile input from exhausting the stack of the recursive parser.
    public static let maximumDepth = 512

    /// Parses one JSON text (RFC 8259, strict).
    ///
    /// Rejects what lenient parsers let through because a registry or runtime may read the same bytes
    /// differently: duplicate object keys, a byte-order mark, leading zeros, lone surrogates, raw control
    /// characters in strings, invalid UTF-8, trailing content, and nesting deeper than `maximumDepth`.
    /// - Throws: `OCIModelError.invalidJSON` naming the byte offset of the problem.
    public init(parsing bytes: some Collection<UInt8>) throws {
        var parser = JSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }

    /// Parses one JSON text held in `data`; see `init(parsing:)` for the rules.
    public init(parsing data: Data) throws {
        var parser = JSONParser(bytes: [UInt8](data))
        self = try parser.parseDocument()
    }
}

/// A recursive-descent parser over a byte array; `offset` is always the next unread byte.
struct JSONParser {
    let bytes: [UInt8]
    var offset = 0
    var depth = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard offset == bytes.count else { throw fail("unexpected \(describeByte()) after the end of the JSON value") }
        return value
    }

    private func fail(_ message: String, at position: Int? = nil) -> OCIModelError {
        .invalidJSON("\(message) at byte offset \(position ?? offset)")
    }

    private func describeByte() -> String {
        guard offset < bytes.count else { return "end of input" }
        let b = bytes[offset]
        if b >= 0x21 && b < 0x7f { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true)
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0a, 0x0d: offset += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws -> JSONValue {
        guard offset < bytes.count else { throw fail("unexpected end of input, expected a value") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case 0xef where bytes[offset...].starts(with: [0xef, 0xbb, 0xbf]):
            throw fail("a UTF-8 byte-order mark is not allowed")
        default: throw fail("unexpected \(describeByte()), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws {
        let start = offset
        for expected in literal.utf8 {
            guard offset < bytes.count, bytes[offset] == expected else {
                throw fail("invalid literal, expected '\(literal)'", at: start)
            }
            offset += 1
        }
    }

    private mutating func enterContainer() throws {
        depth += 1
        guard depth <= JSONValue.maximumDepth else {
            throw fail("nesting deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    private mutating func parseObject() throws -> JSONValue {
        try enterContainer()
        offset += 1  // '{'
        var object = JSONObject()
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw fail("unexpected \(describeByte()), expected an object key string")
            }
            let keyStart = offset
            let key = try parseString()
            // Duplicate keys are ambiguous (last-wins in Go, first-wins elsewhere), so a digest could
            // verify content that different readers interpret differently.
            guard object[key] == nil else { throw fail("duplicate object key \"\(key)\"", at: keyStart) }
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                throw fail("unexpected \(describeByte()), expected ':' after an object key")
            }
            offset += 1
            skipWhitespace()
            object[key] = try parseValue()
            skipWhitespace()
            guard offset < bytes.count else { throw fail("unexpected end of input inside an object") }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; depth -= 1; return .object(object)
            default: throw fail("unexpected \(describeByte()), expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try enterContainer()
        offset += 1  // '['
        var elements: [JSONValue] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard offset < bytes.count else { throw fail("unexpected end of input inside an array") }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; depth -= 1; return .array(elements)
            default: throw fail("unexpected \(describeByte()), expected ',' or ']' in an array")
            }
        }
    }

    private func isDigit(_ position: Int) -> Bool {
        position < bytes.count && bytes[position] >= UInt8(ascii: "0") && bytes[position] <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while isDigit(offset) { offset += 1 }
    }

    /// number = [ minus ] int [ frac ] [ exp ]; the text is returned unchanged.
    private mutating func parseNumber() throws -> String {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard isDigit(offset) else { throw fail("a number needs a digit after '-'") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            guard !isDigit(offset) else { throw fail("numbers must not have leading zeros") }
        } else {
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard isDigit(offset) else { throw fail("a number needs a digit after '.'") }
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            guard isDigit(offset) else { throw fail("a number needs a digit in its exponent") }
            skipDigits()
        }
        // The number grammar is pure ASCII, so this decoding cannot fail.
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func parseHex4() throws -> UInt16 {
        guard offset + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[offset]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail("\\u escape needs four hex digits")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    private mutating func parseString() throws -> String {
        let start = offset
        offset += 1  // opening quote
        var buffer: [UInt8] = []
        while true {
            guard offset < bytes.count else { throw fail("unterminated string", at: start) }
            let b = bytes[offset]
            switch b {
            case UInt8(ascii: "\""):
                offset += 1
                guard let s = String(validating: buffer, as: UTF8.self) else {
                    throw fail("string is not valid UTF-8", at: start)
                }
                return s
            case UInt8(ascii: "\\"):
                offset += 1
                guard offset < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[offset]
                offset += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(e)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0c)
                case UInt8(ascii: "n"): buffer.append(0x0a)
                case UInt8(ascii: "r"): buffer.append(0x0d)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &buffer)
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: offset - 2)
                }
            case 0x00..<0x20:
                throw fail("control character 0x\(String(b, radix: 16, uppercase: true)) must be escaped in a string")
            default:
                buffer.append(b)
                offset += 1
            }
        }
    }

    /// Decodes the hex after `\u`, pairing surrogates; a lone surrogate cannot be held in a Swift
    /// `String` without changing it, so it is an error rather than a silent U+FFFD.
    private mutating func appendUnicodeEscape(to buffer: inout [UInt8]) throws {
        let escapeStart = offset - 2
        let unit = try parseHex4()
        var scalarValue = UInt32(unit)
        if (0xD800...0xDBFF).contains(unit) {
            guard offset + 2 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
            else { throw fail("high surrogate \\u\(String(unit, radix: 16)) is not followed by a low surrogate", at: escapeStart) }
            offset += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw fail("high surrogate \\u\(String(unit, radix: 16)) is not followed by a low surrogate", at: escapeStart)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw fail("lone low surrogate \\u\(String(unit, radix: 16))", at: escapeStart)
        }
        // Every value left here is a valid scalar: surrogates were handled above.
        let scalar = Unicode.Scalar(scalarValue)!
        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
    }
}
