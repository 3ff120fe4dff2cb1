import Foundation
import Testing
@testable import LayerBuilder

@Suite("SHA-256")
struct SHA256Tests {
    @Test("known vectors (FIPS 180-2)", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, hex: String) {
        #expect(SHA256Digest.of(Array(input.utf8)).description == "sha256:" + hex)
        #expect(SHA256Digest.of(Data(input.utf8)).encoded == hex)
    }

    @Test("incremental updates equal one shot, and finalize resets")
    func incremental() {
        let bytes = pseudoRandomBytes(count: 10_000, seed: 7)
        var hasher = SHA256Hasher()
        for chunk in stride(from: 0, to: bytes.count, by: 333) {
            hasher.update(bytes[chunk..<min(chunk + 333, bytes.count)])
        }
        #expect(hasher.finalize() == SHA256Digest.of(bytes))
        // After finalize the hasher starts over with an empty message.
        #expect(hasher.finalize().encoded == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("copies are independent (copy-on-write)")
    func copyOnWrite() {
        var a = SHA256Hasher()
        a.update(Array("ab".utf8))
        var b = a
        b.update(Array("c".utf8))
        #expect(b.finalize() == SHA256Digest.of(Array("abc".utf8)))
        #expect(a.finalize() == SHA256Digest.of(Array("ab".utf8)))
    }

    @Test("streamed file digest matches sha256sum")
    func fileDigest() async throws {
        let dir = try TempDir()
        // A size that is not a multiple of the 1 MiB read buffer.
        let path = try dir.file("big.bin", pseudoRandomBytes(count: 3 * (1 << 20) + 12345, seed: 42))
        let (digest, size) = try SHA256Digest.ofFile(at: path)
        #expect(size == 3 * (1 << 20) + 12345)
        await #expect(digest.description == (try sha256sum(ofCommand: "cat \(shQuote(path))")))
    }

    @Test("missing file is an error naming the path")
    func missingFile() throws {
        let error = #expect(throws: LayerBuilderError.self) { try SHA256Digest.ofFile(at: "/nonexistent/x.bin") }
        #expect(error?.description.contains("/nonexistent/x.bin") == true)
    }
}
