import Testing
@testable import RegistryClient

@Suite("Chunk policy")
struct ChunkPolicyTests {
    @Test(arguments: [
        // (configured, registry minimum, expected)
        (nil, nil, ChunkPolicy.fallbackChunkSize),
        (1 << 20, nil, 1 << 20),
        (1 << 20, 5 << 20, 5 << 20),     // OCI-Chunk-Min-Length wins over a smaller configured size
        (6 << 20, 5 << 20, 6 << 20),
        (nil, 16 << 20, 16 << 20),
        (0, nil, 1),                     // never a size that cannot advance
    ] as [(Int?, Int64?, Int64)])
    func chunkSize(configured: Int?, minimum: Int64?, expected: Int64) {
        #expect(ChunkPolicy.chunkSize(configured: configured, registryMinimum: minimum) == expected)
    }

    @Test func contentRangeIsInclusiveWithoutUnit() {
        #expect(ChunkPolicy.contentRange(offset: 0, length: 1000) == "0-999")
        #expect(ChunkPolicy.contentRange(offset: 1000, length: 1) == "1000-1000")
    }

    @Test(arguments: [
        ("42", 42), ("  7 ", 7), ("0", nil), ("-5", nil), ("lots", nil), (nil, nil),
    ] as [(String?, Int64?)])
    func minimumLength(header: String?, expected: Int64?) {
        #expect(ChunkPolicy.minimumLength(header) == expected)
    }

    @Test(arguments: [
        ("0-999", [1000]), ("0-0", [0, 1]), (nil, [0]), ("", [0]), ("bytes=0-9", [10]), ("bytes 0-9", [10]),
        ("5-9", nil), ("0-", nil), ("junk", nil), ("0--1", nil),
    ] as [(String?, [Int64]?)])
    func storedLengths(range: String?, expected: [Int64]?) {
        #expect(ChunkPolicy.storedLengths(range: range) == expected)
    }

    @Test(arguments: [
        // (stored candidates, confirmed, sent, expected)
        ([1500], 0, 4096, 1500),         // part of a broken chunk arrived
        ([4096], 4096, 8192, 4096),      // nothing of the broken chunk arrived
        ([8192], 4096, 8192, 8192),      // all of it arrived, only the answer was lost
        ([0, 1], 0, 4096, nil),          // `0-0` after sending: 0 or 1 byte, undecidable
        ([0, 1], 0, 0, 0),               // `0-0` before sending anything: empty
        ([0, 1], 1, 1, 1),               // `0-0` after one acknowledged byte
        ([2000], 4096, 8192, nil),       // behind what it acknowledged (ECR's stale Range)
        ([9000], 4096, 8192, nil),       // more than we ever sent
    ] as [([Int64], Int64, Int64, Int64?)])
    func resumeOffset(stored: [Int64], confirmed: Int64, sent: Int64, expected: Int64?) {
        #expect(ChunkPolicy.resumeOffset(stored: stored, confirmed: confirmed, sent: sent) == expected)
    }
}
