import Foundation
import LayerBuilder
import OCIModel

/// Generated inputs of P2 and P3, kept in `Options.data` and reused while complete:
/// - one Windows base per release as an OCI image layout: a single Windows-format layer
///   (`Files/`, `Hives/`) of `baseMiB` mostly incompressible bytes (the gzip is ≥ 100 MB at the
///   default, like nanoserver's ~115 MB), and a config with the fields real bases carry
///   (`os.version`, `User`, `Cmd`, `rootfs`, `history`);
/// - pause-like binaries per platform (`bin/{os}/{arch}/pause{exe}`, 1 MiB, half compressible);
/// - P3's big file.
enum Bases {
    struct Release {
        var name: String
        var osVersion: String
        var created: String
    }

    static let releases = [
        Release(name: "ltsc2019", osVersion: "10.0.17763.6414", created: "2024-10-03T00:00:00Z"),
        Release(name: "ltsc2022", osVersion: "10.0.20348.2762", created: "2024-10-03T00:00:00Z"),
        Release(name: "ltsc2025", osVersion: "10.0.26100.2314", created: "2024-11-08T00:00:00Z"),
    ]

    /// One generated base layout.
    struct Base {
        var release: Release
        /// The OCI layout directory; the image is tagged with the release name.
        var layout: String
        var layerDigest: Digest
        var layerSize: Int64
    }

    /// P2's inputs.
    struct P2Inputs {
        var bases: [Base]
        /// Holds `{os}/{arch}/pause{exe}`.
        var bin: String
    }

    static func prepareP2(in dir: String, baseMiB: Int) throws -> P2Inputs {
        let fm = FileManager.default
        let root = dir + "/p2-\(baseMiB)"
        let marker = root + "/.complete"
        var bases: [Base] = []
        if !fm.fileExists(atPath: marker) {
            try? fm.removeItem(atPath: root)
            try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
            for (os, arch, exe) in [("windows", "amd64", ".exe"), ("linux", "amd64", ""), ("linux", "arm64", "")] {
                let d = "\(root)/bin/\(os)/\(arch)"
                try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
                try writePseudoRandom(to: "\(d)/pause\(exe)", bytes: 1 << 20, seed: "pause-\(os)-\(arch)", compressibleEvery: 2)
            }
            for release in releases {
                print("  generating base \(release.name) (\(baseMiB) MiB) …")
                _ = try makeBase(release, root: root, baseMiB: baseMiB)
            }
            _ = fm.createFile(atPath: marker, contents: nil)
        }
        for release in releases {
            let layout = "\(root)/\(release.name)"
            let manifest = try readManifest(layout: layout)
            bases.append(Base(release: release, layout: layout, layerDigest: manifest.digest, layerSize: manifest.size))
        }
        return P2Inputs(bases: bases, bin: root + "/bin")
    }

    /// P3's input: one file of `mib` MiB, 3 in 4 blocks random (so deflate has real work).
    static func prepareBig(in dir: String, mib: Int) throws -> String {
        let path = dir + "/p3-big-\(mib).bin"
        if FileManager.default.fileExists(atPath: path + ".complete") { return path }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        print("  generating \(mib) MiB input …")
        try writePseudoRandom(to: path, bytes: Int64(mib) << 20, seed: "p3", compressibleEvery: 4)
        _ = FileManager.default.createFile(atPath: path + ".complete", contents: nil)
        return path
    }

    /// Writes a base layout for `release` under `root/<name>` and returns it.
    private static func makeBase(_ release: Release, root: String, baseMiB: Int) throws -> String {
        let fm = FileManager.default
        let layout = "\(root)/\(release.name)"
        let src = "\(root)/src-\(release.name)"
        try fm.createDirectory(atPath: "\(layout)/blobs/sha256", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: src, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: src) }

        // Files like a nanoserver: many DLLs in System32 and the registry hives; 4 MiB pieces.
        var entries: [LayerEntry] = ["/Windows", "/Windows/System32", "/Windows/System32/config"].map {
            LayerEntry(path: $0, kind: .directory, mode: 0o755)
        }
        entries.append(LayerEntry(path: "/License.txt", kind: .data(Array("winimg-bench base stand-in\r\n".utf8)), mode: 0o644))
        var remaining = Int64(baseMiB) << 20
        var i = 0
        while remaining > 0 {
            let size = min(remaining, 4 << 20)
            let host = "\(src)/f\(i)"
            // One block in 16 compressible: the gzip stays ≥ 100 MB for the default 112 MiB.
            try writePseudoRandom(to: host, bytes: size, seed: "\(release.name)-\(i)", compressibleEvery: 16)
            let name = i < 4 ? "/Windows/System32/config/\(["SOFTWARE", "SYSTEM", "DEFAULT", "SAM"][i])"
                : "/Windows/System32/module\(i).dll"
            entries.append(LayerEntry(path: name, kind: .file(source: host), mode: 0o644))
            remaining -= size
            i += 1
        }
        var options = LayerOptions(format: .windows, compressionLevel: 1)
        options.compressionThreads = LayerOptions.defaultCompressionThreads
        let layer = try LayerWriter.build(entries: entries, options: options, to: "\(src)/layer.tar.gz")
        let layerPath = "\(layout)/blobs/sha256/\(layer.digest.encoded)"
        try? fm.removeItem(atPath: layerPath)
        try fm.moveItem(atPath: layer.path, toPath: layerPath)

        let config = """
            {"architecture":"amd64","os":"windows","os.version":"\(release.osVersion)","created":"\(release.created)",\
            "config":{"User":"ContainerUser","Env":[],"Cmd":["c:\\\\windows\\\\system32\\\\cmd.exe"]},\
            "rootfs":{"type":"layers","diff_ids":["\(layer.diffID)"]},\
            "history":[{"created":"\(release.created)","created_by":"Apply image \(release.osVersion)"}]}
            """
        let configData = Data(config.utf8)
        let configDigest = try put(configData, layout: layout)
        let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":\(configData.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layer.digest)","size":\(layer.size)}]}
            """
        let manifestData = Data(manifest.utf8)
        let manifestDigest = try put(manifestData, layout: layout)
        let index = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(manifestDigest)","size":\(manifestData.count),\
            "platform":{"architecture":"amd64","os":"windows","os.version":"\(release.osVersion)"},\
            "annotations":{"org.opencontainers.image.ref.name":"\(release.name)"}}]}
            """
        try Data(index.utf8).write(to: URL(fileURLWithPath: "\(layout)/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: "\(layout)/oci-layout"))
        return layout
    }

    private static func put(_ data: Data, layout: String) throws -> Digest {
        let digest = SHA256Digest.of(data)
        try data.write(to: URL(fileURLWithPath: "\(layout)/blobs/sha256/\(digest.encoded)"))
        return digest
    }

    /// The layer descriptor of the layout's only image.
    private static func readManifest(layout: String) throws -> (digest: Digest, size: Int64) {
        func json(_ path: String) throws -> [String: Any] {
            guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] else {
                throw BenchError("\(path): not a JSON object")
            }
            return o
        }
        let index = try json(layout + "/index.json")
        guard let m = (index["manifests"] as? [[String: Any]])?.first, let md = m["digest"] as? String else {
            throw BenchError("\(layout): no manifest")
        }
        let manifest = try json(layout + "/" + (try Digest(md)).layoutPath)
        guard let l = (manifest["layers"] as? [[String: Any]])?.first, let ld = l["digest"] as? String,
              let size = (l["size"] as? NSNumber)?.int64Value else { throw BenchError("\(layout): no layer") }
        return (try Digest(ld), size)
    }

    /// Writes `bytes` pseudo-random bytes (SplitMix64 seeded from `seed`); every
    /// `compressibleEvery`-th 64 KiB block is repeated text instead, so deflate finds some work.
    static func writePseudoRandom(to path: String, bytes: Int64, seed: String, compressibleEvery: Int) throws {
        guard let file = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw BenchError("cannot write \(path)") }
        defer { try? file.close() }
        try file.truncate(atOffset: 0)
        var state = UInt64(truncatingIfNeeded: seed.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 })
        let block = 64 << 10
        let text = Array("The quick brown fox jumps over the lazy dog. 0123456789 ".utf8)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var written: Int64 = 0
        var blockIndex = 0
        while written < bytes {
            let n = Int(min(Int64(buffer.count), bytes - written))
            buffer.withUnsafeMutableBytes { raw in
                var offset = 0
                while offset < n {
                    let end = min(offset + block, n)
                    if blockIndex % compressibleEvery == compressibleEvery - 1 {
                        for j in offset..<end { raw[j] = text[(j + blockIndex) % text.count] }
                    } else {
                        var j = offset
                        while j + 8 <= end {
                            state &+= 0x9E37_79B9_7F4A_7C15
                            var z = state
                            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                            raw.storeBytes(of: z ^ (z >> 31), toByteOffset: j, as: UInt64.self)
                            j += 8
                        }
                        while j < end { raw[j] = UInt8(truncatingIfNeeded: state >> 8); j += 1 }
                    }
                    offset = end
                    blockIndex += 1
                }
            }
            try file.write(contentsOf: buffer[0..<n])
            written += Int64(n)
        }
    }
}
