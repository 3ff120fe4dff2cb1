import Foundation
import ImageBuild
import LayerBuilder
import OCIModel
import RegistryClient
import TestSupport

/// Documents and blobs of deliberately built (often broken) images, served from memory for the
/// unit tests and pushed to the real registry for the command tests.
struct ImageStore: Sendable {
    var blobs: [Digest: Data] = [:]
    /// Manifests and indexes by digest, with their media types, in the order they were added.
    var manifests: [(digest: Digest, bytes: Data, mediaType: String)] = []
    /// The document `top` names.
    var top: Digest?

    /// Stores a blob, returning its descriptor.
    mutating func blob(_ data: Data, mediaType: String) -> Descriptor {
        let d = SHA256Digest.of(data)
        blobs[d] = data
        return Descriptor(mediaType: mediaType, digest: d, size: Int64(data.count))
    }

    /// Stores a manifest or index; the descriptor has no platform.
    mutating func document(_ object: JSONObject, mediaType: String) -> Descriptor {
        let data = JSONValue.object(object).data
        let d = SHA256Digest.of(data)
        if !manifests.contains(where: { $0.digest == d }) { manifests.append((d, data, mediaType)) }
        return Descriptor(mediaType: mediaType, digest: d, size: Int64(data.count))
    }

    /// What goes into one test image; every field has a sensible Windows default.
    struct Image {
        var platform = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2762")
        var env = [#"PATH=C:\Windows\system32;C:\Windows;"#]
        var entrypoint: [String]? = [#"C:\pause.exe"#]
        var cmd: [String]?
        /// Layer blobs (tar.gz bytes); their diff_ids are their digests unless `diffIDs` is set.
        var layers: [Data] = [Data("layer".utf8)]
        var diffIDs: [Digest]?
        var docker = true
        var foreignURLs: [String]?
        var layerMediaType: String?
        var configMediaType: String?
        var artifactType: String?
    }

    /// Stores an image's layers, config and manifest; returns the manifest descriptor with the
    /// config's platform (callers edit it to break the index entry).
    mutating func image(_ image: Image) -> Descriptor {
        let family: MediaType.Family = image.docker ? .docker : .oci
        var config = ImageConfig.scratch(platform: image.platform, created: "1970-01-01T00:00:00Z")
        config.env = image.env
        config.entrypoint = image.entrypoint
        config.cmd = image.cmd
        var layers: [Descriptor] = []
        for (i, data) in image.layers.enumerated() {
            var d = blob(data, mediaType: image.layerMediaType ?? family.gzipLayer)
            if let urls = image.foreignURLs, i == 0 {
                d.mediaType = MediaType.dockerForeignLayerGzip
                d.urls = urls
                blobs[d.digest] = nil
            }
            layers.append(d)
            config.appendLayer(diffID: d.digest, history: HistoryEntry(created: "1970-01-01T00:00:00Z", createdBy: "test"))
        }
        if let ids = image.diffIDs {
            config.json["rootfs"] = .object(JSONObject([("type", .string("layers")), ("diff_ids", .strings(ids.map(\.description)))]))
        }
        let configDescriptor = blob(config.encoded(), mediaType: image.configMediaType ?? family.config)
        var object = JSONObject()
        object["schemaVersion"] = .int(2)
        object["mediaType"] = .string(family.manifest)
        if let t = image.artifactType { object["artifactType"] = .string(t) }
        object["config"] = .object(configDescriptor.jsonObject)
        object["layers"] = .array(layers.map { .object($0.jsonObject) })
        var d = document(object, mediaType: family.manifest)
        d.platform = image.platform
        return d
    }

    /// Stores an index of `entries` and makes it the top document.
    @discardableResult
    mutating func index(_ entries: [Descriptor], mediaType: String = MediaType.ociIndex) -> Descriptor {
        let d = document(JSONObject([("schemaVersion", .int(2)), ("mediaType", .string(mediaType)),
                                     ("manifests", .array(entries.map { .object($0.jsonObject) }))]), mediaType: mediaType)
        top = d.digest
        return d
    }

    /// A BuildKit-style attestation manifest for `image`: platform unknown/unknown, in-toto layer.
    mutating func attestation(for image: Descriptor, annotated: Bool = true) -> Descriptor {
        var config = ImageConfig.scratch(platform: Platform(os: "unknown", architecture: "unknown"), created: "1970-01-01T00:00:00Z")
        let statement = blob(Data(#"{"_type":"https://in-toto.io/Statement/v0.1"}"#.utf8), mediaType: "application/vnd.in-toto+json")
        config.appendLayer(diffID: statement.digest, history: HistoryEntry(created: "1970-01-01T00:00:00Z", createdBy: "attest"))
        let c = blob(config.encoded(), mediaType: MediaType.ociConfig)
        var d = document(JSONObject([("schemaVersion", .int(2)), ("mediaType", .string(MediaType.ociManifest)),
                                     ("config", .object(c.jsonObject)), ("layers", .array([.object(statement.jsonObject)]))]),
                         mediaType: MediaType.ociManifest)
        d.platform = Platform(os: "unknown", architecture: "unknown")
        if annotated {
            d.annotations = ["vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": image.digest.description]
        }
        return d
    }

    /// Pushes every blob and document (children before the index) to `repository` and tags the top.
    func push(to registry: TestRegistry, repository: String, tag: String) async throws {
        let pool = RegistryPool(options: RegistryOptions(insecureHosts: [registry.host]))
        do {
            let ref = try ImageReference(parsing: "\(registry.host)/\(repository):\(tag)")
            let repo = RegistryRepository(client: await pool.client(for: ref), repository: ref.repository)
            for (d, data) in blobs { try await repo.putBlob(d, data: data) }
            for m in manifests {
                _ = try await repo.putManifest(m.bytes, mediaType: m.mediaType, reference: m.digest == top ? tag : m.digest.description)
            }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

/// `ImageStore` as an `ImageSource`: tag `top` names the top document.
struct MemorySource: ImageSource {
    let store: ImageStore

    var name: String { "memory" }

    func manifest(_ reference: String) async throws -> FetchedManifest {
        let digest = reference == "top" ? store.top : try? Digest(reference)
        guard let m = store.manifests.first(where: { $0.digest == digest }) else {
            throw RegistryError.io(path: reference, reason: "no such manifest")
        }
        return FetchedManifest(bytes: m.bytes, mediaType: m.mediaType, digest: m.digest)
    }

    func blobData(_ d: Digest, maxSize: Int64) async throws -> Data {
        guard let data = store.blobs[d] else { throw RegistryError.io(path: d.description, reason: "no such blob") }
        return data
    }

    func fetchBlob(_ d: Digest, to path: String) async throws {
        try await blobData(d, maxSize: .max).write(to: URL(fileURLWithPath: path))
    }
}

/// Windows layers written with Python's tarfile (an independent writer), members given as
/// `name<TAB>d|f<TAB>0|1` (directory or file, with a security descriptor or not).
enum PythonLayer {
    static let script = """
    import base64, gzip, io, sys, tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for line in sys.argv[2].splitlines():
            name, kind, sd = line.split("\\t")
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            if sd == "1":
                ti.pax_headers = {"MSWINDOWS.rawsd": base64.b64encode(b"\\x01\\x00\\x04\\x80").decode()}
            if kind == "d":
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                t.addfile(ti)
            else:
                data = b"MZ" + name.encode()
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    open(sys.argv[1], "wb").write(gzip.compress(buf.getvalue(), mtime=0))
    """

    static func make(_ members: [(String, Character, Bool)]) async throws -> Data {
        let dir = try TempDir()
        defer { dir.remove() }
        let out = dir.file("layer.tar.gz")
        let spec = members.map { "\($0.0)\t\($0.1)\t\($0.2 ? 1 : 0)" }.joined(separator: "\n")
        let r = try await TestSupport.run("/usr/bin/env", ["python3", "-c", script, out, spec], timeout: 60)
        guard r.status == 0 else { throw TestSupportError("python failed: \(r.stderrString)") }
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    /// A good layer: roots, a directory, a file in it, all with security descriptors.
    static func good() async throws -> Data {
        try await make([("Hives", "d", false), ("Files", "d", false), ("Files/app", "d", true), ("Files/app/app.exe", "f", true)])
    }
}
