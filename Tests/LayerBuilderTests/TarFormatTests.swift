import Foundation
import Testing
@testable import LayerBuilder

@Suite("Tar format details")
struct TarFormatTests {
    @Test("the MSWINDOWS.rawsd record is 92 bytes, as in the research notes")
    func rawsdRecord() {
        let record = paxRecord(key: "MSWINDOWS.rawsd", value: rawSD)
        #expect(String(decoding: record, as: UTF8.self) == "92 MSWINDOWS.rawsd=\(rawSD)\n")
        #expect(String(decoding: paxRecord(key: "MSWINDOWS.fileattr", value: "32"), as: UTF8.self) == "25 MSWINDOWS.fileattr=32\n")
    }

    @Test("PAX record lengths count their own digits across digit-count boundaries")
    func recordLengths() {
        // Value lengths around the points where the total goes from 1->2, 2->3 and 3->4 digits.
        for valueLength in Array(0...12) + Array(85...100) + Array(990...1000) {
            let record = paxRecord(key: "k", value: String(repeating: "v", count: valueLength))
            let declared = Int(String(decoding: record.prefix { $0 != 0x20 }, as: UTF8.self))
            #expect(declared == record.count, "value length \(valueLength)")
            #expect(record.last == 0x0A)
        }
    }

    @Test("octal fields", arguments: [(Int64(0), 7, "0000000"), (0o755, 7, "0000755"), (0o77777777777, 11, "77777777777"), (8, 3, "010")])
    func octal(value: Int64, width: Int, expected: String) {
        #expect(String(decoding: octalDigits(value, width: width), as: UTF8.self) == expected)
    }

    @Test("UTF-8 truncation never splits a character", arguments: [98, 99, 100, 101])
    func truncation(limit: Int) {
        let bytes = Array((String(repeating: "a", count: 97) + "ééé").utf8)  // 97 + 6 bytes
        let cut = truncateUTF8(bytes, to: limit)
        #expect(cut.count <= limit)
        #expect(String(validating: cut, as: UTF8.self) != nil)
        #expect(cut.count >= limit - 1)
    }

    @Test("a ustar header is well-formed: magic, version, checksum, zero owners")
    func header() {
        let block = encodeUstarBlock(name: Array("usr/bin/x".utf8), type: 0x30, mode: 0o755, size: 1234, mtime: 0, linkName: [])
        #expect(block.count == 512)
        #expect(Array(block[257..<265]) == Array("ustar\u{0}00".utf8))
        #expect(String(decoding: block[108..<116], as: UTF8.self) == "0000000\u{0}")
        #expect(String(decoding: block[124..<136], as: UTF8.self) == "00000002322\u{0}")
        var sum = 0
        for (i, b) in block.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(b) }
        #expect(String(decoding: block[148..<154], as: UTF8.self) == String(sum, radix: 8).leftPadded(to: 6))
        #expect(block[154] == 0 && block[155] == 0x20)
        #expect(block[265..<329].allSatisfy { $0 == 0 }, "empty uname/gname")
    }

    @Test("headers needing PAX: long names, non-ASCII names, long link targets, huge sizes")
    func paxNeeds() {
        func keys(_ h: TarHeader) -> [String] { h.paxRecords().map(\.key) }
        #expect(keys(TarHeader(name: String(repeating: "a", count: 100), type: 0x30, mode: 0, mtime: 0)) == [])
        #expect(keys(TarHeader(name: String(repeating: "a", count: 101), type: 0x30, mode: 0, mtime: 0)) == ["path"])
        #expect(keys(TarHeader(name: "é", type: 0x30, mode: 0, mtime: 0)) == ["path"])
        #expect(keys(TarHeader(name: "l", type: 0x32, mode: 0, mtime: 0, linkName: String(repeating: "t", count: 101))) == ["linkpath"])
        #expect(keys(TarHeader(name: "big", type: 0x30, mode: 0, size: 8 << 30, mtime: 0)) == ["size"])
        #expect(keys(TarHeader(name: "big", type: 0x30, mode: 0, size: (8 << 30) - 1, mtime: 0)) == [])
        let win = TarHeader(name: "Files/" + String(repeating: "x", count: 200), type: 0x30, mode: 0, mtime: 0,
                            vendorRecords: ["MSWINDOWS.rawsd": rawSD])
        #expect(keys(win) == ["MSWINDOWS.rawsd", "path"], "records sorted by key")
        #expect(win.paxHeaderName.count == 100 && win.paxHeaderName.starts(with: Array("PaxHeaders/".utf8)))
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
