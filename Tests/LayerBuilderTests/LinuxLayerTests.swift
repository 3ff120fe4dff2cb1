import Foundation
import Testing
@testable import LayerBuilder

@Suite("Linux layers")
struct LinuxLayerTests {
    /// A path longer than 100 bytes (needs PAX `path`) and one longer than 255 bytes (too long for
    /// the ustar prefix+name split too), each component within the 255-byte name limit.
    static let longPath = "/opt/" + String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 60) + "/file.txt"
    static let veryLongPath = "/srv/" + (0..<5).map { String(repeating: Character(UnicodeScalar(UInt8(0x61 + $0))), count: 60) }.joined(separator: "/") + "/x.bin"
    static let longTarget = "/target/" + String(repeating: "t", count: 120)

    /// Builds a representative Linux layer in `dir`.
    func buildSample(in dir: TempDir, mtime: Int64 = 0, order reversed: Bool = false) throws -> (BuiltLayer, [LayerEntry]) {
        let pause = try dir.file("pause", pseudoRandomBytes(count: 70_000, seed: 1))
        var entries = [
            LayerEntry(path: "/pause", kind: .file(source: pause), mode: 0o755),
            LayerEntry(path: "usr/bin/tool", kind: .data(Array("#!/bin/sh\necho hi\n".utf8)), mode: 0o755),
            LayerEntry(path: "./etc//config.d/", kind: .directory, mode: 0o700),
            LayerEntry(path: "/etc/config.d/a.conf", kind: .data(Array("a=1\n".utf8)), mode: 0o644),
            LayerEntry(path: "/usr/bin/alias", kind: .symlink(target: "tool"), mode: 0o777),
            LayerEntry(path: "/usr/bin/far", kind: .symlink(target: Self.longTarget), mode: 0o777),
            LayerEntry(path: Self.longPath, kind: .data(Array("long\n".utf8)), mode: 0o644),
            LayerEntry(path: Self.veryLongPath, kind: .data([]), mode: 0o600),
            LayerEntry(path: "/données/é.txt", kind: .data(Array("utf8\n".utf8)), mode: 0o644),
            LayerEntry(path: "/a-b", kind: .data([1]), mode: 0o644),
            LayerEntry(path: "/a/b", kind: .data([2]), mode: 0o644),
        ]
        if reversed { entries.reverse() }
        let layer = try LayerWriter.build(entries: entries, options: LayerOptions(format: .linux, mtime: mtime),
                                          to: dir.sub("layer.tar.gz"))
        return (layer, entries)
    }

    static let expectedNames = [
        "a", "a/b", "a-b", "donn\u{e9}es", "donn\u{e9}es/\u{e9}.txt", "etc", "etc/config.d", "etc/config.d/a.conf",
        "opt", "opt/" + String(repeating: "d", count: 60), String(longPath.dropFirst()).components(separatedBy: "/").dropLast().joined(separator: "/"),
        String(longPath.dropFirst()), "pause",
    ]

    @Test("entries are sorted parents-first with explicit parent directories")
    func order() throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir)
        let names = try LayerReader.entries(ofLayerAt: layer.path).map(\.name)
        #expect(Array(names.prefix(Self.expectedNames.count)) == Self.expectedNames)
        // Every parent precedes its children.
        var seen = Set<String>()
        for name in names {
            if let slash = name.lastIndex(of: "/") { #expect(seen.contains(String(name[..<slash])), "\(name) before its parent") }
            seen.insert(name)
        }
        #expect(names.contains("usr/bin/tool") && names.contains(String(Self.veryLongPath.dropFirst())))
        #expect(names.count == Set(names).count)
    }

    @Test("our reader and libarchive agree on names, types, sizes, modes and links")
    func readersAgree() throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir, mtime: 1_700_000_000)
        let ours = try LayerReader.entries(ofLayerAt: layer.path)
        let theirs = try LayerReader.entriesViaLibarchive(ofLayerAt: layer.path)
        #expect(ours.count == theirs.count)
        for (a, b) in zip(ours, theirs) {
            #expect(a.name == b.name)
            #expect(a.type == b.type)
            #expect(a.size == b.size)
            #expect(a.mode == b.mode)
            #expect(a.linkName == b.linkName)
            #expect(a.mtime == 1_700_000_000 && b.mtime == 1_700_000_000)
            #expect(a.uid == 0 && a.gid == 0 && b.uid == 0 && b.gid == 0)
        }
        let pause = try #require(ours.first { $0.name == "pause" })
        #expect(pause.type == 0x30 && pause.size == 70_000 && pause.mode == 0o755)
        let conf = try #require(ours.first { $0.name == "etc/config.d" })
        #expect(conf.type == 0x35 && conf.mode == 0o700)
        let implicitDir = try #require(ours.first { $0.name == "usr/bin" })
        #expect(implicitDir.type == 0x35 && implicitDir.mode == 0o755)
        let far = try #require(ours.first { $0.name == "usr/bin/far" })
        #expect(far.type == 0x32 && far.linkName == Self.longTarget && far.paxRecords["linkpath"] == Self.longTarget)
        // Linux layers carry no Windows records.
        #expect(ours.allSatisfy { $0.paxRecords[WindowsLayout.rawSecurityDescriptorKey] == nil })
    }

    @Test("Python tarfile sees the same members, long paths, owners and modes")
    func pythonAgrees() async throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir, mtime: 1234)
        let py = try await pythonListing(layer.path)
        let ours = try LayerReader.entries(ofLayerAt: layer.path)
        #expect(py.map(\.name) == ours.map(\.name))
        #expect(py.map(\.size) == ours.map(\.size))
        #expect(py.map(\.mode) == ours.map(\.mode))
        let long = try #require(py.first { $0.name == String(Self.longPath.dropFirst()) })
        #expect(long.name.utf8.count > 100 && long.pax["path"] == long.name)
        let veryLong = try #require(py.first { $0.name == String(Self.veryLongPath.dropFirst()) })
        #expect(veryLong.name.utf8.count > 255)
        #expect(py.first { $0.name == "usr/bin/far" }?.linkname == Self.longTarget)
        #expect(py.first { $0.name == "usr/bin/alias" }?.type == "2")
        #expect(py.allSatisfy { $0.uid == 0 && $0.gid == 0 && $0.uname == "" && $0.gname == "" && $0.mtime == 1234 })
    }

    @Test("gzip -t and tar -tzvf accept the layer; tar extracts the same bytes")
    func systemTools() async throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir)
        let gz = try await shell("gzip -t \(shQuote(layer.path))")
        #expect(gz.status == 0, "\(gz.stderr)")
        let listing = try await shell("tar -tzvf \(shQuote(layer.path))")
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdoutText.contains(String(Self.veryLongPath.dropFirst())))
        #expect(listing.stdoutText.contains("usr/bin/far -> \(Self.longTarget)"))
        await #expect(try sha256sum(ofCommand: "tar -xzOf \(shQuote(layer.path)) pause") == sha256sum(ofCommand: "cat \(shQuote(dir.sub("pause")))"))
        #expect(try LayerReader.fileContents("usr/bin/tool", inLayerAt: layer.path) == Array("#!/bin/sh\necho hi\n".utf8))
        #expect(try LayerReader.fileContents("./pause", inLayerAt: layer.path) == pseudoRandomBytes(count: 70_000, seed: 1))
        #expect(try LayerReader.fileContents("nope", inLayerAt: layer.path) == nil)
    }

    @Test("diffID, digest and sizes match sha256sum, gunzip and the file size")
    func digests() async throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir)
        let q = shQuote(layer.path)
        await #expect(layer.diffID.description == (try sha256sum(ofCommand: "gunzip -c \(q)")))
        await #expect(layer.digest.description == (try sha256sum(ofCommand: "cat \(q)")))
        let attributes = try FileManager.default.attributesOfItem(atPath: layer.path)
        #expect(layer.size == (attributes[.size] as? NSNumber)?.int64Value)
        let tarSize = try await shell("gunzip -c \(q) | wc -c").stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(String(layer.uncompressedSize) == tarSize)
        #expect(layer.uncompressedSize % 512 == 0)
        // The blob on disk is exactly what was hashed.
        let (fileDigest, fileSize) = try SHA256Digest.ofFile(at: layer.path)
        #expect(fileDigest == layer.digest && fileSize == layer.size)
        // No temp file is left beside the output.
        #expect(try dir.listing() == ["layer.tar.gz", "pause"])
    }

    @Test("the gzip header is fixed: mtime 0, no name, OS 255")
    func gzipHeader() throws {
        let dir = try TempDir()
        let (layer, _) = try buildSample(in: dir)
        let head = Array(try Data(contentsOf: URL(fileURLWithPath: layer.path)).prefix(10))
        #expect(head[0] == 0x1f && head[1] == 0x8b && head[2] == 8)
        #expect(head[3] == 0, "no FNAME/FCOMMENT/FEXTRA flags")
        #expect(head[4...7].allSatisfy { $0 == 0 }, "mtime 0")
        #expect(head[9] == 255, "OS unknown")
    }

    @Test("building twice is byte-identical, input order does not matter, mtime changes the digest")
    func determinism() throws {
        let dir1 = try TempDir(), dir2 = try TempDir(), dir3 = try TempDir()
        let (a, _) = try buildSample(in: dir1)
        let (b, _) = try buildSample(in: dir2, order: true)
        let (c, _) = try buildSample(in: dir3, mtime: 1_700_000_000)
        #expect(a.digest == b.digest && a.diffID == b.diffID && a.size == b.size)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a.path)) == Data(contentsOf: URL(fileURLWithPath: b.path)))
        #expect(a.digest != c.digest && a.diffID != c.diffID)
    }

    @Test("compression level is applied", arguments: [Int32(0), 1, 9])
    func compressionLevels(level: Int32) throws {
        let dir = try TempDir()
        let text = Array(String(repeating: "compressible text ", count: 20_000).utf8)
        let layer = try LayerWriter.build(entries: [LayerEntry(path: "t.txt", kind: .data(text), mode: 0o644)],
                                          options: LayerOptions(format: .linux, compressionLevel: level), to: dir.sub("l.tgz"))
        if level == 0 {
            #expect(layer.size > layer.uncompressedSize)  // stored blocks: no compression, small overhead
        } else {
            #expect(layer.size * 20 < layer.uncompressedSize)
        }
        #expect(try LayerReader.fileContents("t.txt", inLayerAt: layer.path) == text)
    }

    @Test("an existing output file is replaced")
    func replacesOutput() throws {
        let dir = try TempDir()
        let out = try dir.file("l.tgz", "old content")
        let layer = try LayerWriter.build(entries: [LayerEntry(path: "x", kind: .data([1, 2, 3]), mode: 0o644)],
                                          options: LayerOptions(format: .linux), to: out)
        #expect(try LayerReader.entries(ofLayerAt: out).map(\.name) == ["x"])
        #expect(try SHA256Digest.ofFile(at: out).digest == layer.digest)
    }
}
