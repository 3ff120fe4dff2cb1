import Foundation
import LayerBuilder
import OCIModel

/// One finished image: config and manifest bytes, and the platform for its index entry.
public struct ComposedImage: Sendable {
    public var platform: Platform
    public var config: Data
    public var configDigest: Digest
    public var manifest: Data
    public var manifestDigest: Digest
    public var manifestMediaType: String
    /// Base layers (kept as the base lists them) followed by the new layer, if any.
    public var layers: [Descriptor]
    public var newLayer: BuiltLayer?
}

/// Applies a platform plan to its resolved base.
///
/// Both documents are patched from the base's JSON: fields winimg does not know survive, base
/// layer descriptors stay exactly as the base wrote them (foreign `urls` included).
public struct Composer: Sendable {
    /// `created` timestamp (from `SOURCE_DATE_EPOCH`, else the Unix epoch) so rebuilds are identical.
    public var created: String
    public var labels: [String: String]
    public var user: String?
    public var workdir: String?

    /// What Docker gives a Linux image built `FROM scratch`; never used for Windows, whose PATH
    /// lives in the registry hive and would be broken by a Unix-style value.
    static let defaultLinuxPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public func compose(plan: PlatformPlan, base: ResolvedBase, layer: BuiltLayer?) throws -> ComposedImage {
        let windows = plan.platform.os == "windows"
        var config = base.config
        config.created = created

        var env = ImageConfig.mergeEnv(config.env, plan.env, caseInsensitive: windows)
        if !windows, base.manifest == nil, !env.contains(where: { $0.hasPrefix("PATH=") }) {
            env.insert(Self.defaultLinuxPath, at: 0)
        }
        if env != config.env { config.env = env }
        if let entrypoint = plan.entrypoint {
            config.entrypoint = entrypoint.isEmpty ? nil : entrypoint
            // As in a Dockerfile, a new entrypoint drops the base's Cmd (nanoserver's cmd.exe would
            // otherwise become an argument of the new program) unless a Cmd is given too.
            if plan.cmd == nil { config.cmd = nil }
        }
        if let cmd = plan.cmd { config.cmd = cmd.isEmpty ? nil : cmd }
        if let user { config.user = user }
        if let workdir { config.workingDir = workdir }
        if !labels.isEmpty { config.labels = config.labels.merging(labels) { _, new in new } }

        // os.features: Server Core lists win32k on its index entry; keep the config in agreement.
        let features = Array(Set((config.osFeatures ?? []) + (base.entryPlatform?.osFeatures ?? []))).sorted()
        if !features.isEmpty, config.osFeatures.map({ Set($0) != Set(features) }) ?? true { config.osFeatures = features }
        if windows, config.osVersion == nil, let v = plan.platform.requestedVersion { config.osVersion = v }

        let summary = Self.historyText(plan.entries)
        if let layer {
            config.appendLayer(diffID: layer.diffID, history: HistoryEntry(created: created, createdBy: summary, comment: "winimg"))
        } else {
            config.appendHistory(HistoryEntry(created: created, createdBy: "winimg build: config only", comment: "winimg", emptyLayer: true))
        }
        let configData = config.encoded()
        let configDigest = SHA256Digest.of(configData)

        var manifest: ImageManifest
        if let baseManifest = base.manifest {
            manifest = baseManifest
        } else {
            manifest = try Self.emptyManifest()
        }
        manifest.setConfig(Descriptor(mediaType: base.configMediaType, digest: configDigest, size: Int64(configData.count)))
        if let layer {
            let mediaType: String
            switch plan.platform.compression {
            case .gzip: mediaType = base.family.gzipLayer
            case .zstd:
                // Docker's schema 2 has no zstd layer type that its own tools accept.
                guard base.family == .oci else { throw Self.zstdNeedsOCI(plan: plan, base: base) }
                mediaType = plan.platform.compression.ociMediaType
            }
            manifest.appendLayer(Descriptor(mediaType: mediaType, digest: layer.digest, size: layer.size))
        }
        if base.family == .oci, let digest = base.manifestDigest {
            var annotations = manifest.json["annotations"]?.objectValue ?? JSONObject()
            annotations["org.opencontainers.image.base.name"] = .string(base.location.description)
            annotations["org.opencontainers.image.base.digest"] = .string(digest.description)
            manifest.json["annotations"] = .object(annotations)
        }
        let manifestData = manifest.encoded()

        var platform = config.platform
        if platform.variant == nil { platform.variant = plan.platform.variant ?? base.entryPlatform?.variant }
        return ComposedImage(platform: platform, config: configData, configDigest: configDigest,
                             manifest: manifestData, manifestDigest: SHA256Digest.of(manifestData),
                             manifestMediaType: base.family.manifest, layers: try manifest.layers, newLayer: layer)
    }

    /// Refusal for a zstd layer on a base whose manifest uses Docker media types.
    static func zstdNeedsOCI(plan: PlatformPlan, base: ResolvedBase) -> BuildError {
        .baseMismatch(base: base.location.description, platform: plan.platform.description,
                      reason: "zstd layers need OCI media types (\(MediaType.ociLayerZstd)) but this base uses Docker media types; drop '+zstd' from the platform or use a base published as OCI")
    }

    /// An OCI manifest with no layers, the starting point for `scratch`.
    static func emptyManifest() throws -> ImageManifest {
        let empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(empty)","size":2},"layers":[]}"#
        return try ImageManifest(data: Data(json.utf8))
    }

    /// A readable `created_by` for the history: what was added, without host paths.
    static func historyText(_ entries: [LayerEntry]) -> String {
        let files = entries.filter { if case .directory = $0.kind { return false } else { return true } }
        let names = files.prefix(4).map(\.path).joined(separator: " ")
        let more = files.count > 4 ? " (+\(files.count - 4) more)" : ""
        return "winimg build: ADD \(names)\(more)"
    }
}
