import Foundation
import Testing
@testable import LayerBuilder

@Suite("Path normalisation and input validation")
struct ValidationTests {
    @Test("paths are normalised", arguments: [
        ("/pause.exe", "pause.exe"),
        ("pause.exe", "pause.exe"),
        ("./a//b/", "a/b"),
        ("//a/./b", "a/b"),
        ("././x", "x"),
        ("/Windows/System32/wincat.exe", "Windows/System32/wincat.exe"),
    ])
    func normalise(raw: String, expected: String) throws {
        #expect(try LayerPath(normalizing: raw, format: .linux).joined == expected)
        #expect(try LayerPath(normalizing: raw, format: .windows).joined == expected)
    }

    enum Expected: Sendable, CustomStringConvertible {
        case invalid, alreadyWindows
        var description: String { self == .invalid ? "invalidPath" : "alreadyWindowsLayerForm" }
    }

    @Test("bad paths are rejected with the path and a reason", arguments: [
        ("../etc/passwd", LayerFormat.linux, Expected.invalid, "'..'"),
        ("a/../../b", .linux, .invalid, "'..'"),
        ("", .linux, .invalid, "empty"),
        ("/", .windows, .invalid, "empty"),
        ("./.", .linux, .invalid, "empty"),
        ("a\u{0}b", .linux, .invalid, "NUL"),
        ("/" + String(repeating: "x", count: 256), .linux, .invalid, "255 bytes"),
        ("a<b.exe", .windows, .invalid, "'<'"),
        ("a>b", .windows, .invalid, "'>'"),
        ("dir/a:b", .windows, .invalid, "':'"),
        ("a\"b", .windows, .invalid, "'\"'"),
        ("a|b", .windows, .invalid, "'|'"),
        ("a?b", .windows, .invalid, "'?'"),
        ("a*b", .windows, .invalid, "'*'"),
        ("a\u{1}b", .windows, .invalid, "U+1"),
        ("tab\there", .windows, .invalid, "U+9"),
        ("C:/Windows/x.exe", .windows, .invalid, "drive letter"),
        ("Windows\\x.exe", .windows, .invalid, "'/' as the separator"),
        ("Files/pause.exe", .windows, .alreadyWindows, "already in Windows layer form"),
        ("/Hives/x", .windows, .alreadyWindows, "already in Windows layer form"),
    ])
    func rejected(raw: String, format: LayerFormat, expected: Expected, fragment: String) throws {
        let error = try #require(throws: LayerBuilderError.self) { try LayerPath(normalizing: raw, format: format) }
        switch (expected, error) {
        case (.invalid, .invalidPath(let p, _)), (.alreadyWindows, .alreadyWindowsLayerForm(let p)):
            #expect(p == raw)
        default:
            Issue.record("expected \(expected), got \(error)")
        }
        #expect(error.description.contains(fragment), "\(error.description)")
    }

    @Test("characters Windows rejects are fine in Linux layers", arguments: ["a<b", "a:b", "a|b?*", "C:/x", "Files/x", "a\\b"])
    func linuxAllows(raw: String) throws {
        #expect(try LayerPath(normalizing: raw, format: .linux).joined == raw)
    }

    static let dataA = LayerEntry.Kind.data([1])

    @Test("duplicate destinations are rejected", arguments: [
        (LayerFormat.linux, "/a", "a"),
        (.linux, "./x/y", "/x//y/"),
        (.windows, "/A.exe", "/a.exe"),
        (.windows, "/Windows/System32/X.DLL", "/windows/system32/x.dll"),
    ])
    func duplicates(format: LayerFormat, first: String, second: String) throws {
        let dir = try TempDir()
        let entries = [LayerEntry(path: first, kind: Self.dataA, mode: 0o644), LayerEntry(path: second, kind: Self.dataA, mode: 0o644)]
        let error = try #require(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: entries, options: LayerOptions(format: format), to: dir.sub("l.tgz"))
        }
        switch error {
        case let .duplicatePath(_, a, b):
            #expect(a == first && b == second)
        case .invalidPath(let p, let reason) where format == .windows:
            // A parent spelled differently is reported on the later entry.
            #expect(p == second && reason.contains("case-insensitive"))
        default:
            Issue.record("unexpected \(error)")
        }
        #expect(try dir.listing().isEmpty, "nothing written on validation errors")
    }

    @Test("paths differing only by case are distinct in Linux layers")
    func caseSensitiveLinux() throws {
        let dir = try TempDir()
        let layer = try LayerWriter.build(entries: [LayerEntry(path: "/A", kind: Self.dataA, mode: 0o644),
                                                    LayerEntry(path: "/a", kind: Self.dataA, mode: 0o644)],
                                          options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
        #expect(try LayerReader.entries(ofLayerAt: layer.path).map(\.name) == ["A", "a"])
    }

    @Test("identical directories are merged, different ones are duplicates")
    func duplicateDirectories() throws {
        let dir = try TempDir()
        let same = [LayerEntry(path: "/d", kind: .directory, mode: 0o755), LayerEntry(path: "d/", kind: .directory, mode: 0o755)]
        let layer = try LayerWriter.build(entries: same, options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
        #expect(try LayerReader.entries(ofLayerAt: layer.path).map(\.name) == ["d"])
        let different = [LayerEntry(path: "/d", kind: .directory, mode: 0o755), LayerEntry(path: "d", kind: .directory, mode: 0o700)]
        #expect(throws: LayerBuilderError.duplicatePath("d", first: "/d", second: "d")) {
            try LayerWriter.build(entries: different, options: LayerOptions(format: .linux), to: dir.sub("m.tgz"))
        }
    }

    @Test("a file cannot be the parent of another entry")
    func parentIsFile() throws {
        let dir = try TempDir()
        let entries = [LayerEntry(path: "/a", kind: Self.dataA, mode: 0o644), LayerEntry(path: "/a/b", kind: Self.dataA, mode: 0o644)]
        #expect(throws: LayerBuilderError.parentNotDirectory(path: "/a/b", parent: "a")) {
            try LayerWriter.build(entries: entries, options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
        }
    }

    @Test("a missing source file is an error naming both paths, and nothing is written")
    func missingSource() throws {
        let dir = try TempDir()
        let source = dir.sub("does-not-exist.exe")
        let error = try #require(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [LayerEntry(path: "/app/x.exe", kind: .file(source: source), mode: 0o755)],
                                  options: LayerOptions(format: .windows), to: dir.sub("l.tgz"))
        }
        guard case let .sourceUnreadable(s, entry, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(s == source && entry == "/app/x.exe")
        #expect(error.description.contains(source) && error.description.contains("/app/x.exe"))
        #expect(try dir.listing().isEmpty)
    }

    @Test("a directory as a file source is rejected")
    func directorySource() throws {
        let dir = try TempDir()
        #expect(throws: LayerBuilderError.sourceNotRegularFile(source: dir.path, entry: "x")) {
            try LayerWriter.build(entries: [LayerEntry(path: "x", kind: .file(source: dir.path), mode: 0o644)],
                                  options: LayerOptions(format: .linux), to: dir.sub("l.tgz"))
        }
    }

    @Test("symlinks are rejected in Windows layers with the fix")
    func windowsSymlink() throws {
        let dir = try TempDir()
        let error = try #require(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [LayerEntry(path: "/link.exe", kind: .symlink(target: "pause.exe"), mode: 0o777)],
                                  options: LayerOptions(format: .windows), to: dir.sub("l.tgz"))
        }
        #expect(error == .symlinkInWindowsLayer("/link.exe"))
        #expect(error.description.contains("symbolic links are not supported in Windows layers; copy the target file instead"))
    }

    @Test("directories spelled in two cases are rejected for Windows")
    func windowsSpelling() throws {
        let dir = try TempDir()
        let entries = [LayerEntry(path: "/Windows/a.dll", kind: Self.dataA, mode: 0o644),
                       LayerEntry(path: "/windows/b.dll", kind: Self.dataA, mode: 0o644)]
        let error = try #require(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: entries, options: LayerOptions(format: .windows), to: dir.sub("l.tgz"))
        }
        #expect(error.description.contains("'windows' is spelled 'Windows' by entry '/Windows/a.dll'"))
    }

    @Test("bad modes and options are rejected", arguments: [
        (LayerEntry(path: "x", kind: .data([]), mode: 0o100755), LayerOptions(format: .linux)),
        (LayerEntry(path: "x", kind: .data([]), mode: 0o644), LayerOptions(format: .linux, compressionLevel: 10)),
        (LayerEntry(path: "x", kind: .data([]), mode: 0o644), LayerOptions(format: .linux, mtime: -1)),
        (LayerEntry(path: "x", kind: .symlink(target: ""), mode: 0o777), LayerOptions(format: .linux)),
    ])
    func badModesAndOptions(entry: LayerEntry, options: LayerOptions) throws {
        let dir = try TempDir()
        #expect(throws: LayerBuilderError.self) {
            try LayerWriter.build(entries: [entry], options: options, to: dir.sub("l.tgz"))
        }
        #expect(try dir.listing().isEmpty)
    }

    @Test("SOURCE_DATE_EPOCH parsing", arguments: [
        ([:], 0),
        (["SOURCE_DATE_EPOCH": ""], 0),
        (["SOURCE_DATE_EPOCH": "1700000000"], 1_700_000_000),
        (["SOURCE_DATE_EPOCH": "0"], 0),
        (["SOURCE_DATE_EPOCH": "abc"], nil),
        (["SOURCE_DATE_EPOCH": "-5"], nil),
        (["SOURCE_DATE_EPOCH": "1.5"], nil),
        (["SOURCE_DATE_EPOCH": "99999999999999999999"], nil),
        (["SOURCE_DATE_EPOCH": "9999999999999"], nil),  // beyond what an ustar header holds
    ] as [([String: String], Int64?)])
    func sourceDateEpoch(env: [String: String], expected: Int64?) throws {
        if let expected {
            #expect(try LayerOptions.sourceDateEpoch(from: env) == expected)
        } else {
            let error = try #require(throws: LayerBuilderError.self) { try LayerOptions.sourceDateEpoch(from: env) }
            #expect(error == .invalidSourceDateEpoch(env["SOURCE_DATE_EPOCH"]!))
            #expect(error.description.contains("SOURCE_DATE_EPOCH"))
        }
    }
}
