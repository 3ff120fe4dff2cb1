import Testing
@testable import OCIModel

@Suite struct DigestTests {
    static let hex64 = String(repeating: "0123456789abcdef", count: 4)
    static let hex128 = hex64 + hex64

    @Test(arguments: [
        ("sha256:" + hex64, "sha256", hex64),
        ("sha512:" + hex128, "sha512", hex128),
        ("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", "multihash+base58", "QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"),
        ("sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", "sha256+b64u", "LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564"),
    ])
    func parsesValidDigests(text: String, algorithm: String, encoded: String) throws {
        let digest = try Digest(text)
        #expect(digest.algorithm == algorithm)
        #expect(digest.encoded == encoded)
        #expect(digest.description == text)
        #expect(digest.isVerifiable == (algorithm == "sha256"))
    }

    @Test(arguments: [
        "",
        "sha256",
        "sha256:",
        ":" + hex64,
        "sha256:" + String(hex64.dropLast()),
        "sha256:" + hex64 + "0",
        "sha256:" + hex64.uppercased(),
        "sha256:" + String(hex64.dropLast()) + "g",
        "SHA256:" + hex64,
        "sha512:" + hex64,
        "-sha256:" + hex64,
        "sha256-:" + hex64,
        "foo:bar baz",
        "foo:bar/baz",
    ])
    func rejectsInvalidDigests(text: String) {
        #expect(throws: OCIModelError.self) { try Digest(text) }
    }

    @Test func layoutPathAndShortForm() throws {
        let digest = try Digest("sha256:" + Self.hex64)
        #expect(digest.layoutPath == "blobs/sha256/" + Self.hex64)
        #expect(digest.short == "sha256:" + Self.hex64.prefix(12))
    }
}
