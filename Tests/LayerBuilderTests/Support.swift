import Foundation
import TestSupport
import Testing
@testable import LayerBuilder

/// A fresh directory under the system temp dir, removed when the value is released.
final class TempDir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "layerbuilder-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the directory and returns the full path.
    @discardableResult
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    /// A path inside the directory (not created).
    func sub(_ name: String) -> String { path + "/" + name }

    /// Names in the directory (to prove no temp files are left behind).
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// Result of running an external tool.
struct ToolResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `/bin/bash -c script` with outputs captured in files (no pipe-buffer deadlocks), waiting
/// asynchronously so parallel tests never starve the cooperative pool.
@discardableResult
func shell(_ script: String, arguments: [String] = []) async throws -> ToolResult {
    let r = try await TestSupport.run("/bin/bash", ["-c", script, "sh"] + arguments, timeout: 300)
    return ToolResult(status: r.status, stdout: r.stdout, stderr: r.stderrString)
}

/// Runs a Python script (`python3 -c`) with arguments; fails the test on a non-zero exit.
func python(_ script: String, _ arguments: [String]) async throws -> ToolResult {
    let result = try await shell("exec python3 -c \"$1\" \"${@:2}\"", arguments: [script] + arguments)
    #expect(result.status == 0, "python failed: \(result.stderr)")
    return result
}

/// One tar member as Python's `tarfile` (an independent implementation) sees it.
struct PyMember: Decodable, Equatable {
    var name: String
    var type: String
    var size: Int64
    var mode: UInt32
    var mtime: Int64
    var uid: Int
    var gid: Int
    var uname: String
    var gname: String
    var linkname: String
    var pax: [String: String]
}

/// Lists `path` (tar or tar.gz) with Python's tarfile.
func pythonListing(_ path: String) async throws -> [PyMember] {
    let script = """
    import json, sys, tarfile
    with tarfile.open(sys.argv[1], "r:*") as t:
        for m in t.getmembers():
            print(json.dumps({"name": m.name, "type": m.type.decode(), "size": m.size, "mode": m.mode,
                              "mtime": int(m.mtime), "uid": m.uid, "gid": m.gid, "uname": m.uname,
                              "gname": m.gname, "linkname": m.linkname, "pax": m.pax_headers}))
    """
    let result = try await python(script, [path])
    return try result.stdoutText.split(separator: "\n").map {
        try JSONDecoder().decode(PyMember.self, from: Data($0.utf8))
    }
}

/// `sha256sum` output for a shell expression's stdout, as `sha256:<hex>`.
func sha256sum(ofCommand command: String) async throws -> String {
    let r = try await shell("set -o pipefail; \(command) | sha256sum")
    #expect(r.status == 0, "\(command) failed: \(r.stderr)")
    return "sha256:" + (r.stdoutText.split(separator: " ").first.map(String.init) ?? "")
}

/// Single-quotes `s` for the shell.
func shQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

let rawSD = "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA=="

/// Deterministic pseudo-random bytes (xorshift), so content does not compress to nothing.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        out[i] = UInt8(truncatingIfNeeded: state)
    }
    return out
}

/// Runs `input` through `compressor` in `chunk`-sized writes (odd by default, so writes never line
/// up with block boundaries) and returns everything it emitted.
func compressed(_ input: [UInt8], with compressor: any LayerCompressor, chunk: Int = 100_003) throws -> [UInt8] {
    var out: [UInt8] = []
    var offset = 0
    repeat {
        let end = min(input.count, offset + chunk)
        try input[offset..<end].withUnsafeBytes { bytes in try compressor.write(bytes) { out += $0 } }
        offset = end
    } while offset < input.count
    try compressor.finish { out += $0 }
    return out
}
