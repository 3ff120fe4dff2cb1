import Foundation
import Testing
@testable import OCIModel

@Suite struct JSONValueTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: Array(text.utf8)) }
    private func text(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    @Test(arguments: [
        #"{}"#,
        #"[]"#,
        #"null"#,
        #"true"#,
        #""a/b é 日本 😀""#,
        #"{"z":1,"a":2,"m":{"y":[1,2,{"x":null}],"b":false}}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:abc","size":7023},"layers":[{"urls":["https://mcr.microsoft.com/v2/x"],"size":1}]}"#,
        #"[1e3,-0,12345678901234567890,1.5E-10,0.0,-1.25e+2,1E400]"#,
        #"{"os.version":"10.0.20348.2700","os.features":["win32k"],"empty":"","nested":[[[]]]}"#,
        #"{"quote":"a\"b","backslash":"c\\d","ctl":"\u0001\u001f"}"#,
    ])
    func compactRoundTripIsByteExact(input: String) throws {
        let value = try parse(input)
        #expect(text(value) == input)
        #expect(try JSONValue(parsing: value.data) == value)
    }

    @Test(arguments: ["1e3", "-0", "12345678901234567890", "1.0", "0.1e-7", "-12.5E+03"])
    func numberTextIsPreserved(number: String) throws {
        let value = try parse("[\(number)]")
        #expect(value.arrayValue == [.number(number)])
        #expect(text(value) == "[\(number)]")
    }

    @Test(arguments: [
        (#"{ "a" : [ 1 , 2 ] ,"b":{ } }"#, #"{"a":[1,2],"b":{}}"#),
        ("\t\r\n[\n1\n]\n", "[1]"),
        (#""a\/b""#, #""a/b""#),
        (#""\u00e9\u65e5""#, "\"é日\""),
        (#""\ud83d\ude00""#, "\"😀\""),
        (#""\b\f\n\r\t""#, #""\u0008\u000c\u000a\u000d\u0009""#),
        (#""\u0041\u007f""#, "\"A\u{7f}\""),
    ])
    func normalisesWhitespaceAndEscapes(input: String, expected: String) throws {
        #expect(text(try parse(input)) == expected)
    }

    @Test func decodesUnicodeEscapesToScalars() throws {
        #expect(try parse(#""\u00e9""#) == .string("é"))
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\u0000""#).stringValue?.unicodeScalars.first?.value == 0)
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, "duplicate"),
        (#"{"a":{"b":1,"c":2,"b":3}}"#, "duplicate"),
        (#"[1,]"#, "offset 3"),
        (#"{"a":1,}"#, "offset 7"),
        (#"01"#, "leading zeros"),
        (#"-"#, "digit"),
        (#"1."#, "digit"),
        (#"1e"#, "digit"),
        (#".5"#, "offset 0"),
        (#"+1"#, "offset 0"),
        (#"tru"#, "true"),
        (#"nul"#, "null"),
        (#"NaN"#, "offset 0"),
        (#"'a'"#, "offset 0"),
        (#""abc"#, "unterminated"),
        ("\"a\nb\"", "control character"),
        (#""\x""#, "escape"),
        (#""\u12g4""#, "hex"),
        (#""\ud800""#, "surrogate"),
        (#""\udc00""#, "surrogate"),
        (#""\ud800\u0041""#, "surrogate"),
        (#"{"a" 1}"#, "':'"),
        (#"{1:2}"#, "key"),
        (#"[1 2]"#, "','"),
        (#"1 2"#, "after the end"),
        ("", "end of input"),
        ("   ", "end of input"),
        ("\u{FEFF}{}", "byte-order mark"),
    ])
    func rejectsInvalidJSON(input: String, fragment: String) {
        do {
            _ = try parse(input)
            Issue.record("parsed invalid JSON \(input.debugDescription)")
        } catch let OCIModelError.invalidJSON(message) {
            #expect(message.contains(fragment), "message \(message.debugDescription) lacks \(fragment.debugDescription)")
            #expect(message.contains("byte offset"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(arguments: [[0x22, 0xff, 0x22], [0x22, 0xc3, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x80]] as [[UInt8]])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: OCIModelError.self) { try JSONValue(parsing: bytes) }
    }

    @Test func duplicateKeyErrorNamesTheKeyAndItsOffset() {
        #expect(throws: OCIModelError.invalidJSON(#"duplicate object key "size" at byte offset 21"#)) {
            try parse(#"{"size":1,"digest":2,"size":3}"#)
        }
    }

    @Test(arguments: [JSONValue.maximumDepth, JSONValue.maximumDepth + 1])
    func nestingDepthIsLimited(depth: Int) throws {
        for (open, center, close) in [("[", "", "]"), (#"{"k":"#, "0", "}")] {
            let input = String(repeating: open, count: depth) + center + String(repeating: close, count: depth)
            if depth <= JSONValue.maximumDepth {
                #expect(text(try parse(input)) == input)
            } else {
                #expect(throws: OCIModelError.self) { try parse(input) }
            }
        }
    }

    @Test func objectKeepsOrderAndUniqueKeys() {
        var object = JSONObject([("b", .int(1)), ("a", .int(2)), ("b", .int(3))])
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == .int(3))
        object["c"] = .null
        object["b"] = .bool(true)
        #expect(object.keys == ["b", "a", "c"])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["b"] == nil)
        object["b"] = .string("x")
        #expect(object.keys == ["a", "c", "b"])
        #expect(object.count == 3)
        #expect(object.map(\.key) == object.keys)
        #expect(object.map(\.value) == [.int(2), .null, .string("x")])
        #expect(JSONObject([("a", .null), ("b", .null)]) != JSONObject([("b", .null), ("a", .null)]))
    }

    @Test func valueSubscriptPatchesNestedObjects() throws {
        var value = try parse(#"{"config":{"Env":["A=1"]},"os":"linux"}"#)
        value["config"]?["User"] = .string("root")
        value["os"] = nil
        value["architecture"] = .string("arm64")
        #expect(text(value) == #"{"config":{"Env":["A=1"],"User":"root"},"architecture":"arm64"}"#)
        #expect(JSONValue.string("x")["a"] == nil)
        var scalar = JSONValue.int(5)
        scalar["k"] = .bool(true)
        #expect(text(scalar) == #"{"k":true}"#)
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("42", 42), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func integerAccess(text: String, expected: Int64) throws {
        #expect(try parse(text).int64Value == expected)
    }

    @Test(arguments: ["1e3", "1.0", "9223372036854775808", "\"1\"", "true"])
    func nonIntegersHaveNoInt64Value(text: String) throws {
        #expect(try parse(text).int64Value == nil)
    }

    @Test func typedAccessors() throws {
        let value = try parse(#"{"s":"x","b":true,"a":["p","q"],"m":[1],"o":{}}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.stringArrayValue == ["p", "q"])
        #expect(value["m"]?.stringArrayValue == nil)
        #expect(value["o"]?.objectValue?.isEmpty == true)
        #expect(value["s"]?.arrayValue == nil)
        #expect(JSONValue.strings(["a", "b"]) == .array([.string("a"), .string("b")]))
        #expect(JSONValue.int(-7) == .number("-7"))
    }

    @Test func encodableAndDecodableBridge() throws {
        let descriptor = Descriptor(mediaType: MediaType.ociLayerGzip, digest: try Digest("sha256:" + DigestTests.hex64),
                                    size: 12, urls: ["https://example.com/a/b"],
                                    platform: Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.1"))
        let value = try JSONValue(encoding: descriptor)
        // Sorted keys and unescaped slashes, per the encoder options.
        #expect(value.objectValue?.keys == ["digest", "mediaType", "platform", "size", "urls"])
        #expect(text(value).contains("https://example.com/a/b"))
        #expect(value["platform"]?["os.version"] == .string("10.0.20348.1"))
        #expect(try value.decode(Descriptor.self) == descriptor)
    }
}
