import Foundation
import Testing
@testable import LayerBuilder

/// Hand-made bad layers, written with Python's tarfile so the checker is tested on another
/// writer's output (which also appends '/' to directory names).
@Suite("WindowsLayerCheck")
struct WindowsLayerCheckTests {
    /// Writes a tar.gz from a list of (name, kind 'd'/'f', with rawsd) with Python.
    func makeTar(_ members: [Member], in dir: TempDir) async throws -> String {
        let out = dir.sub("bad.tar.gz")
        let spec = members.map { "\($0.0)\t\($0.1)\t\($0.2 ? 1 : 0)" }.joined(separator: "\n")
        let script = """
        import io, sys, tarfile
        with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as t:
            for line in sys.argv[2].splitlines():
                name, kind, sd = line.split("\\t")
                ti = tarfile.TarInfo(name)
                if sd == "1":
                    ti.pax_headers = {"MSWINDOWS.rawsd": sys.argv[3]}
                if kind == "d":
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    t.addfile(ti)
                else:
                    data = b"content"
                    ti.size = len(data)
                    t.addfile(ti, io.BytesIO(data))
        """
        _ = try await python(script, [out, spec, rawSD])
        return out
    }

    typealias Member = (name: String, kind: Character, rawsd: Bool)
    static let hives: Member = ("Hives", "d", false)
    static let files: Member = ("Files", "d", false)
    static let cases: [([Member], [String])] = [
        ([hives, files, ("Files/a/b.exe", "f", true), ("Files/a", "d", true)], ["parent-after-child"]),
        ([files, ("Files/x.exe", "f", true)], ["missing-hives-root"]),
        ([hives, ("Files/x.exe", "f", true)], ["missing-files-root", "missing-parent"]),
        ([hives, files, ("Files/x.exe", "f", false)], ["missing-rawsd"]),
        ([hives, files, ("x.exe", "f", true)], ["outside-files"]),
        ([hives, files, ("Files/w/x.exe", "f", true)], ["missing-parent"]),
        ([("Hives", "f", false), files], ["missing-hives-root"]),
        ([hives, ("x", "d", false), files], ["missing-files-root", "outside-files"]),
        ([hives, files, ("Files/.wh.gone.exe", "f", false), ("Hives/System_Delta", "f", false)], []),
    ]

    @Test("bad layers give the expected findings", arguments: cases)
    func findings(members: [Member], expected: [String]) async throws {
        let dir = try TempDir()
        let path = try await makeTar(members, in: dir)
        let entries = try LayerReader.entries(ofLayerAt: path)
        #expect(entries.count == members.count)
        let findings = WindowsLayerCheck.check(entries)
        #expect(findings.map(\.id) == expected, "\(findings)")
        #expect(findings.allSatisfy { !$0.message.isEmpty })
    }

    @Test("Python-written good layer passes, and the rawsd value is read exactly")
    func goodPythonLayer() async throws {
        let dir = try TempDir()
        let path = try await makeTar([("Files", "d", false), ("Hives", "d", false), ("Files/W", "d", true), ("Files/W/x.exe", "f", true)], in: dir)
        let entries = try LayerReader.entries(ofLayerAt: path)
        #expect(entries[0].name == "Files/", "Python writes directories with a trailing slash")
        #expect(entries[3].paxRecords["MSWINDOWS.rawsd"] == rawSD)
        #expect(WindowsLayerCheck.check(entries).isEmpty)
    }

    @Test("invalid base64 rawsd and an empty listing")
    func handMadeEntries() {
        func entry(_ name: String, _ type: UInt8, _ pax: [String: String] = [:]) -> TarEntryInfo {
            TarEntryInfo(name: name, type: type, mode: 0o755, size: 0, mtime: 0, uid: 0, gid: 0, linkName: "", paxRecords: pax)
        }
        let bad = [entry("Hives", 0x35), entry("Files", 0x35), entry("Files/x", 0x30, ["MSWINDOWS.rawsd": "not base64!"])]
        #expect(WindowsLayerCheck.check(bad).map(\.id) == ["invalid-rawsd"])
        #expect(WindowsLayerCheck.check([]).map(\.id) == ["missing-hives-root", "missing-files-root"])
        // Case-insensitive, as on Windows: a parent spelled differently still counts.
        let mixed = [entry("Hives", 0x35), entry("Files", 0x35), entry("Files/WINDOWS", 0x35, ["MSWINDOWS.rawsd": rawSD]),
                     entry("Files/Windows/x", 0x30, ["MSWINDOWS.rawsd": rawSD])]
        #expect(WindowsLayerCheck.check(mixed).isEmpty)
    }
}
