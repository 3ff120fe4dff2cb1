import Foundation
import LayerBuilder
import OCIModel

/// A validated build: for every target platform, its base, its layer entries and config changes.
///
/// Planning touches only the local file system (it checks every host file exists) so bad input is
/// reported before anything is pulled, built or pushed.
public struct BuildPlan: Sendable {
    public var platforms: [PlatformPlan]
    public var destinations: [ImageLocation]
    public var labels: [String: String]
    public var user: String?
    public var workdir: String?
    /// Timestamp for tar entries, `created` fields and history: `SOURCE_DATE_EPOCH` or 0.
    public var epoch: Int64
    public var insecureRegistries: [String]
    /// Content-addressed cache (unpacked archives, files copied from images); see `CacheDirectory`.
    public var cacheDirectory: String

    public init(spec: BuildSpec, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard !spec.platforms.isEmpty else { throw BuildError.noPlatforms }
        guard !spec.tags.isEmpty else { throw BuildError.noDestination }
        epoch = try LayerOptions.sourceDateEpoch(from: environment)
        let cacheRoot = CacheDirectory.root(environment: environment)
        cacheDirectory = cacheRoot

        var seenDest = Set<String>()
        destinations = try spec.tags.map { text in
            let loc = try ImageLocation(parsing: text, relativeTo: spec.baseDirectory, destination: true)
            if case .scratch = loc { throw BuildError.invalidLocation(text, reason: "scratch cannot be a destination; give -t REGISTRY/REPO:TAG or -t oci:DIR[:TAG]") }
            if case let .registry(ref) = loc, ref.digest != nil {
                throw BuildError.invalidLocation(text, reason: "a destination needs a tag, not a digest (the digest is computed from the content)")
            }
            guard seenDest.insert(loc.description).inserted else { throw BuildError.duplicateDestination(text) }
            return loc
        }

        let selectors = try spec.bases.map { key, value in
            (try PlatformSelector(parsing: key), value)
        }
        for e in spec.env + spec.envWindows + spec.envLinux where !(e.firstIndex(of: "=").map { $0 > e.startIndex } ?? false) {
            throw BuildError.invalidEnv(e)
        }

        var seen = Set<String>()
        var plans: [PlatformPlan] = []
        for text in spec.platforms {
            let p = try PlatformSpec(parsing: text)
            // Compression is not part of the image platform: linux/amd64 and linux/amd64+zstd would be
            // two index entries that no client can tell apart.
            guard seen.insert(p.target).inserted else { throw BuildError.duplicatePlatform(p.target) }
            let ctx = TemplateContext(platform: p)

            let candidates = selectors.filter { $0.0.matches(p) }.sorted { $0.0.specificity > $1.0.specificity }
            guard let chosen = candidates.first else {
                let example = p.os == "windows" ? "--base windows:\(p.release?.name ?? "ltsc2022")=REGISTRY/windows/nanoserver:TAG" : "--base linux=scratch"
                throw BuildError.noBase(platform: p.description, hint: "add \(example) (or a 'bases:' entry)")
            }
            if candidates.count > 1, candidates[1].0.specificity == chosen.0.specificity, candidates[1].1 != chosen.1 {
                throw BuildError.noBase(platform: p.description,
                                        hint: "bases '\(chosen.0)' and '\(candidates[1].0)' both match; make one more specific")
            }
            let base = try ImageLocation(parsing: ctx.expand(chosen.1, field: "--base"), relativeTo: spec.baseDirectory)
            if case .scratch = base, p.os == "windows" {
                throw BuildError.baseMismatch(base: "scratch", platform: p.description,
                                              reason: "Windows images need a Windows base (e.g. mcr.microsoft.com/windows/nanoserver)")
            }

            let files = try spec.files.filter { f in
                try f.only.map { try PlatformSelector(parsing: $0).matches(p) } ?? true
            }
            let entries = try files.flatMap { try HostFiles.entries(for: $0, context: ctx, baseDirectory: spec.baseDirectory, platform: p,
                                                                      cacheRoot: cacheRoot) }

            let copies = try spec.copyFrom.filter { c in
                try c.only.map { try PlatformSelector(parsing: $0).matches(p) } ?? true
            }.map { c in
                _ = try LayerSearch(format: p.os == "windows" ? .windows : .linux, requests: c.paths)
                return CopyPlan(image: try ImageLocation(parsing: ctx.expand(c.image, field: "--copy-from"), relativeTo: spec.baseDirectory),
                                paths: c.paths, destination: try c.destination.map { try ctx.expand($0, field: "--copy-from") })
            }

            var env = spec.env + (p.os == "windows" ? spec.envWindows : spec.envLinux)
            env = try env.map { try ctx.expand($0, field: "--env") }
            plans.append(PlatformPlan(
                platform: p, base: base, entries: entries, copies: copies,
                entrypoint: try spec.entrypoint.map { try $0.map { try ctx.expand($0, field: "--entrypoint") } },
                cmd: try spec.cmd.map { try $0.map { try ctx.expand($0, field: "--cmd") } },
                env: env))
        }
        platforms = plans
        labels = spec.labels
        user = spec.user
        // The runtime starts the entrypoint there: a relative directory means nothing to it
        // (Docker's WORKDIR resolves one against the previous; a config cannot).
        if let dir = spec.workdir, !Self.isAbsoluteDirectory(dir) {
            throw BuildError.invalidFlag("--workdir", dir, hint: "give an absolute path: /app on Linux, C:\\app on Windows")
        }
        workdir = spec.workdir
        insecureRegistries = spec.insecureRegistries
    }
}

extension BuildPlan {
    /// `/…` or `\…` (root of the current drive), or a drive letter with a separator (`C:\…`).
    static func isAbsoluteDirectory(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return true }
        let c = Array(path.utf8)
        let letter = c.first.map { ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) } ?? false
        return c.count >= 3 && letter && c[1] == 0x3a && (c[2] == 0x5c || c[2] == 0x2f)
    }
}

/// The part of a build that differs per platform.
public struct PlatformPlan: Sendable {
    public var platform: PlatformSpec
    public var base: ImageLocation
    public var entries: [LayerEntry]
    /// Files to take from other images, added to `entries` once read (`Builder`).
    public var copies: [CopyPlan] = []
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var env: [String]

    /// Identifies the new layer's content: platforms with equal keys share one built layer.
    public var layerKey: LayerKey {
        LayerKey(format: platform.os == "windows" ? .windows : .linux, compression: platform.compression, entries: entries)
    }
}

/// Equal keys mean byte-identical layers (same format and compression, same entries from the same
/// host files).
public struct LayerKey: Hashable, Sendable {
    public var format: LayerFormat
    public var compression: LayerCompression
    public var entries: [LayerEntry]
}
