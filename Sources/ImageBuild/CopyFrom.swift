import Foundation
import LayerBuilder
import OCIModel
import RegistryClient

/// Files taken from another image's layers (`copy-from`), e.g. `netapi32.dll` from Server Core
/// for a Nano Server image.
public struct CopySpec: Sendable, Equatable {
    /// Source image: registry reference or `oci:DIR[:TAG]`; templates allowed (`{release}`).
    public var image: String
    /// Paths in the source image (`/`-separated): a file, a directory (its whole tree), or a
    /// pattern where `*`, `?` and `[…]` match within one name and `**` any number of names.
    public var paths: [String]
    /// Container folder that each path lands in by its own name (a directory with its tree, a
    /// pattern with what its wildcards matched); for one exact path without a trailing `/`, its
    /// new name. Nil keeps each path where it is in the source.
    public var destination: String?
    /// Platform selector this entry is limited to; nil = all.
    public var only: String?

    public init(image: String, paths: [String], destination: String? = nil, only: String? = nil) {
        self.image = image
        self.paths = paths
        self.destination = destination
        self.only = only
    }

    /// Parses the flag form `image=REF,path=P[,path=P2…][,dst=D][,only=SELECTOR]`.
    public init(flag: String) throws {
        func bad(_ hint: String) -> BuildError { .invalidFlag("--copy-from", flag, hint: hint) }
        var image: String?, paths: [String] = [], dst: String?, only: String?
        for part in flag.split(separator: ",", omittingEmptySubsequences: true) {
            guard let eq = part.firstIndex(of: "=") else {
                throw bad("'\(part)' is not KEY=VALUE; write image=REF,path=/Windows/System32/netapi32.dll[,dst=/Windows/System32/]")
            }
            let value = String(part[part.index(after: eq)...])
            switch part[..<eq] {
            case "image": image = value
            case "path": paths.append(value)
            case "dst": dst = value
            case "only": only = value
            default: throw bad("unknown key '\(part[..<eq])'; keys are image, path (repeatable), dst, only")
            }
        }
        guard let image, !image.isEmpty else { throw bad("image=REF is missing (a registry reference or oci:DIR[:TAG])") }
        guard !paths.isEmpty else { throw bad("at least one path=/PATH/IN/IMAGE is needed") }
        self.init(image: image, paths: paths, destination: dst, only: only)
    }
}

/// One `copy-from` entry resolved for a platform.
public struct CopyPlan: Sendable, Hashable {
    public var image: ImageLocation
    public var paths: [String]
    public var destination: String?
}

/// Reads the files of a `CopyPlan` out of the source image's layers, or out of the cache.
///
/// Layers stream newest first (`LayerSearch`); a layer is never written to disk or held in
/// memory, and no older layer is read once every exact path is found. The result is cached under
/// `copy-from/<sha256 of (layer digests, paths, format)>`, so a rebuild reads no layer at all.
struct CopyFromImages {
    let cacheRoot: String
    let created: String
    /// 2: directory trees (`CachedFile.directory`) and `**`.
    static let cacheVersion = "2"

    struct Outcome {
        var entries: [LayerEntry]
        var layerBytesRead: Int64
        var cached: Bool
    }

    func entries(for copy: CopyPlan, platform: PlatformSpec, pool: RegistryPool) async throws -> Outcome {
        let base = try await BaseResolver(pool: pool, created: created).resolve(copy.image, for: platform)
        guard let manifest = base.manifest, let source = base.source else {
            throw BuildError.invalidLocation(copy.image.description, reason: "scratch has no files to copy")
        }
        let layers = try manifest.layers
        let format: LayerFormat = platform.os == "windows" ? .windows : .linux
        var search = try LayerSearch(format: format, requests: copy.paths)

        var keyText = "v\(Self.cacheVersion)\n\(format.rawValue)\n"
        keyText += layers.map(\.digest.description).joined(separator: "\n") + "\n" + search.requests.joined(separator: "\n")
        let key = SHA256Digest.of(Data(keyText.utf8)).encoded
        let dir = (cacheRoot as NSString).appendingPathComponent("copy-from")
        let final = (dir as NSString).appendingPathComponent(key)
        let indexPath = final + "/index.json"
        if let data = FileManager.default.contents(atPath: indexPath),
           let found = try? JSONDecoder().decode([CachedFile].self, from: data) {
            return Outcome(entries: try place(found.map { $0.resolved(in: final) }, search: search, copy: copy), layerBytesRead: 0, cached: true)
        }

        try CacheDirectory.create(dir)
        let tmp = (dir as NSString).appendingPathComponent(".tmp-\(UUID().uuidString.prefix(8))")
        try CacheDirectory.create(tmp)
        do {
            var read: Int64 = 0
            for (i, layer) in layers.reversed().enumerated() where !search.isComplete {
                let staging = tmp + "/l\(i)"
                try CacheDirectory.create(staging)
                let name = "layer \(layer.digest.short) of \(copy.image)"
                var pending: [String: [String]] = [:]
                (search, pending, read) = try await pass(search, layer: layer.digest, source: source, name: name, staging: staging, read: read)
                if !pending.isEmpty {
                    (search, _, read) = try await pass(search, layer: layer.digest, source: source, name: name, staging: staging,
                                                       read: read, linkTargets: pending)
                }
            }
            let missing = search.missing
            if !missing.isEmpty {
                let list = missing.map { p, why in "/\(p)" + (why.map { " (\($0))" } ?? "") }.joined(separator: ", ")
                throw BuildError.copySource(image: copy.image.description, reason: "not found in its \(layers.count) layer(s): \(list); check the path (Windows paths start at C:\\ as /, e.g. /Windows/System32/netapi32.dll or the folder /Windows/System32/WindowsPowerShell)")
            }
            let files = search.found.values.sorted { $0.path < $1.path }.map { f in
                CachedFile(path: f.path, request: f.request, file: f.file.map { String($0.dropFirst(tmp.count + 1)) }, symlink: f.symlink,
                           mode: f.mode, directory: f.isDirectory ? true : nil)
            }
            try CacheFiles.write(JSONEncoder().encode(files), to: tmp + "/index.json")
            if rename(tmp, final) != 0 { CacheDirectory.remove(tmp) }
            let placed = files.map { $0.resolved(in: FileManager.default.fileExists(atPath: final + "/index.json") ? final : tmp) }
            return Outcome(entries: try place(placed, search: search, copy: copy), layerBytesRead: read, cached: false)
        } catch {
            CacheDirectory.remove(tmp)
            throw error
        }
    }

    /// Streams one layer through the search: the download feeds a bounded channel that
    /// libarchive, on its own thread, reads from.
    private func pass(_ search: LayerSearch, layer: Digest, source: any ImageSource, name: String, staging: String, read: Int64,
                      linkTargets: [String: [String]] = [:]) async throws -> (LayerSearch, [String: [String]], Int64) {
        let channel = ByteChannel()
        async let scanned = search.scanning(channel, layer: name, staging: staging, linkTargets: linkTargets)
        let end: BlobStreamEnd
        do {
            end = try await source.streamBlob(layer) { await channel.send($0) }
            channel.finish()
        } catch {
            channel.finish(error: error)
            _ = try? await scanned
            throw error
        }
        let (s, pending) = try await scanned
        return (s, pending, read + end.bytes)
    }

    /// Layer entries at their destinations (see `CopyPlacement`).
    private func place(_ files: [CachedFile], search: LayerSearch, copy: CopyPlan) throws -> [LayerEntry] {
        try CopyPlacement(search: search, destination: copy.destination, image: copy.image.description).entries(for: files)
    }
}

/// One found file as stored in the cache's index.json (content paths relative to the entry).
struct CachedFile: Codable {
    var path: String
    var request: Int
    var file: String?
    var symlink: String?
    var mode: UInt32
    /// A directory of a requested tree (nil: not one, as in version 1 entries).
    var directory: Bool?

    func resolved(in dir: String) -> CachedFile {
        var c = self
        c.file = file.map { dir + "/" + $0 }
        return c
    }
}

enum CacheFiles {
    static func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw BuildError.unsupported("cannot write \(path): \(FileProblem.reason(error))")
        }
    }
}
