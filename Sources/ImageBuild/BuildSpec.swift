import Foundation
import LayerBuilder
import OCIModel

/// Everything `winimg build` needs to know, from a spec file, from flags, or both (flags win).
///
/// Every field here has a flag of the same name (see docs/build.md); values stay as the user wrote
/// them (templates unexpanded, paths unresolved) until `BuildPlan` resolves them per platform.
public struct BuildSpec: Sendable, Equatable {
    /// Target platforms, e.g. `windows/amd64:ltsc2022`, `linux/arm64`.
    public var platforms: [String] = []
    /// Base image per platform selector (`windows:ltsc2022`, `windows`, `linux/arm64`, `linux`):
    /// a registry reference, `oci:DIR[:TAG]` or `scratch`.
    public var bases: [String: String] = [:]
    /// Files copied from the host into the new layer.
    public var files: [FileSpec] = []
    /// Files copied out of other images' layers into the new layer.
    public var copyFrom: [CopySpec] = []
    public var entrypoint: [String]?
    public var cmd: [String]?
    /// `KEY=VALUE` for every platform, then per OS family.
    public var env: [String] = []
    public var envWindows: [String] = []
    public var envLinux: [String] = []
    public var labels: [String: String] = [:]
    public var user: String?
    public var workdir: String?
    /// Destinations: registry references or `oci:DIR[:TAG]`.
    public var tags: [String] = []
    /// Registries (`host[:port]`) that may be reached over plain HTTP.
    public var insecureRegistries: [String] = []
    /// Directory that relative paths (sources, `oci:` locations) are resolved against.
    public var baseDirectory: String = "."

    public init() {}

    /// Applies `other` on top of `self`: lists given in `other` replace ours (so a flag overrides the
    /// file's whole list), maps are merged key by key, scalars replace.
    ///
    /// Each side's relative paths are first anchored at its own `baseDirectory` (the spec file's
    /// folder for the file, the working directory for flags), so a merged spec never resolves a
    /// flag's path against the file's folder or the other way round.
    public func overridden(by other: BuildSpec, otherIsSet set: BuildSpec.SetFields) -> BuildSpec {
        var r = self.anchored()
        let other = other.anchored()
        if set.contains(.platforms) { r.platforms = other.platforms }
        for (k, v) in other.bases { r.bases[k] = v }
        if set.contains(.files) { r.files = other.files }
        if set.contains(.copyFrom) { r.copyFrom = other.copyFrom }
        if set.contains(.entrypoint) { r.entrypoint = other.entrypoint }
        if set.contains(.cmd) { r.cmd = other.cmd }
        if set.contains(.env) { r.env = other.env }
        if set.contains(.envWindows) { r.envWindows = other.envWindows }
        if set.contains(.envLinux) { r.envLinux = other.envLinux }
        for (k, v) in other.labels { r.labels[k] = v }
        if set.contains(.user) { r.user = other.user }
        if set.contains(.workdir) { r.workdir = other.workdir }
        if set.contains(.tags) { r.tags = other.tags }
        r.insecureRegistries += other.insecureRegistries.filter { !r.insecureRegistries.contains($0) }
        return r
    }

    /// The same spec with relative host paths and `oci:` locations joined to `baseDirectory`, which
    /// becomes `.`; absolute paths, registry references and `scratch` are left as they are.
    public func anchored() -> BuildSpec {
        guard baseDirectory != "." else { return self }
        let dir = baseDirectory
        func path(_ p: String) -> String { p.hasPrefix("/") ? p : (dir as NSString).appendingPathComponent(p) }
        func location(_ l: String) -> String {
            guard l.hasPrefix("oci:") else { return l }
            return "oci:" + path(String(l.dropFirst(4)))
        }
        var r = self
        r.files = files.map { f in var f = f; f.source = path(f.source); return f }
        r.bases = bases.mapValues(location)
        r.copyFrom = copyFrom.map { c in var c = c; c.image = location(c.image); return c }
        r.tags = tags.map(location)
        r.baseDirectory = "."
        return r
    }

    /// Which fields of a spec were given explicitly (flags), so empty lists can still override.
    public struct SetFields: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let platforms = SetFields(rawValue: 1 << 0)
        public static let files = SetFields(rawValue: 1 << 1)
        public static let entrypoint = SetFields(rawValue: 1 << 2)
        public static let cmd = SetFields(rawValue: 1 << 3)
        public static let env = SetFields(rawValue: 1 << 4)
        public static let envWindows = SetFields(rawValue: 1 << 5)
        public static let envLinux = SetFields(rawValue: 1 << 6)
        public static let user = SetFields(rawValue: 1 << 7)
        public static let workdir = SetFields(rawValue: 1 << 8)
        public static let tags = SetFields(rawValue: 1 << 9)
        public static let copyFrom = SetFields(rawValue: 1 << 10)
    }
}

/// One host file (or directory) to put into the new layer.
public struct FileSpec: Sendable, Equatable {
    /// Host path; may use `{os}`, `{arch}`, `{variant}`, `{exe}`, `{release}`, `{build}`.
    public var source: String
    /// Container path with `/` separators (`/pause.exe`, `/Windows/System32/wincat.exe`); same templates.
    public var destination: String
    /// Restricts the entry to platforms matching this selector (`windows`, `linux/arm64`); nil = all.
    public var only: String?
    /// Permission bits; nil takes them from the host file.
    public var mode: UInt32?
    /// True: `source` is an archive to unpack into `destination` (the spec's `archive:` key).
    /// False: copy the file as it is. Nil (`SRC:DST`): unpack when `source` has an archive name
    /// (`.zip`, `.tar`, `.tar.gz`, `.tgz`, `.tar.xz`, …) and `destination` ends in `/`.
    public var archive: Bool?

    public init(source: String, destination: String, only: String? = nil, mode: UInt32? = nil, archive: Bool? = nil) {
        self.source = source
        self.destination = destination
        self.only = only
        self.mode = mode
        self.archive = archive
    }

    /// Whether this item unpacks its source into `destination` (already expanded).
    public func extractsArchive(destination: String) -> Bool {
        archive ?? (ArchiveExtractor.isArchiveName(source) && destination.hasSuffix("/"))
    }

    /// Parses the flag form `SRC:DST`. The split is at the first `:` so container paths may contain
    /// none and host paths on Linux rarely do; a missing side is an error.
    public init(flag: String, only: String? = nil) throws {
        guard let colon = flag.firstIndex(of: ":") else {
            throw BuildError.invalidFlag("--add", flag, hint: "write SRC:DST, e.g. 'bin/{os}/{arch}/pause{exe}:/pause{exe}'")
        }
        let src = String(flag[..<colon]), dst = String(flag[flag.index(after: colon)...])
        guard !src.isEmpty, !dst.isEmpty else {
            throw BuildError.invalidFlag("--add", flag, hint: "both the host path and the container path are needed: SRC:DST")
        }
        self.init(source: src, destination: dst, only: only)
    }
}
