/// A target platform as a user writes it: `linux/amd64`, `linux/arm64/v8`, `windows/amd64:ltsc2022`,
/// `windows/amd64:20348`, `windows/amd64:10.0.20348.2700`; a Linux target may ask for zstd layers
/// with a `+zstd` suffix (`linux/amd64+zstd`, `linux/arm64/v8+zstd`).
///
/// Windows targets must name a release because a Windows image only runs on hosts of a compatible build
/// (see `WindowsCompatibility`), so "windows/amd64" alone does not say which base to use.
public struct PlatformSpec: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?
    /// The Windows build, from a release name, a build number or a version; nil for Linux.
    public var windowsBuild: Int?
    /// The exact `os.version` when the user wrote all four parts (`10.0.20348.2700`).
    public var requestedVersion: String?
    /// Compression of the layer built for this target: gzip unless the user wrote `+zstd`.
    public var compression: LayerCompression = .gzip

    /// Operating systems this project builds for.
    public static let knownOperatingSystems = ["linux", "windows"]
    /// Architectures accepted (GOARCH spelling, as used in image indexes).
    public static let knownArchitectures = ["amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64"]
    /// Common other spellings of architectures, for the error message.
    private static let architectureSpellings = ["x86_64": "amd64", "x86-64": "amd64", "x64": "amd64",
                                                "aarch64": "arm64", "armhf": "arm", "armel": "arm",
                                                "i386": "386", "i686": "386", "x86": "386"]

    public init(os: String, architecture: String, variant: String? = nil,
                windowsBuild: Int? = nil, requestedVersion: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.windowsBuild = windowsBuild
        self.requestedVersion = requestedVersion
    }

    /// Parses `os/arch[/variant][:release][+compression]`.
    /// - Throws: `OCIModelError.invalidPlatform` saying what to write instead.
    public init(parsing input: String) throws {
        func fail(_ reason: String) -> OCIModelError { .invalidPlatform(input, reason: reason) }
        var target = input[...]
        var compression = LayerCompression.gzip
        if let plus = input.lastIndex(of: "+") {
            let suffix = String(input[input.index(after: plus)...])
            guard let known = LayerCompression(rawValue: suffix.lowercased()) else {
                throw fail("unknown layer compression '+\(suffix)'; write +zstd (or nothing for gzip)")
            }
            compression = known
            target = input[..<plus]
        }
        let colon = target.firstIndex(of: ":")
        let head = colon.map { target[..<$0] } ?? target
        let release = colon.map { String(target[target.index(after: $0)...]) }

        let parts = head.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw fail("write OS/ARCH[/VARIANT], e.g. linux/amd64, linux/arm64/v8 or windows/amd64:ltsc2022")
        }
        let os = parts[0], arch = parts[1]
        guard Self.knownOperatingSystems.contains(os) else {
            let hint = Self.knownOperatingSystems.contains(os.lowercased()) ? "write '\(os.lowercased())' in lowercase" : "use linux or windows"
            throw fail("unknown OS '\(os)'; \(hint)")
        }
        guard Self.knownArchitectures.contains(arch) else {
            if let better = Self.architectureSpellings[arch.lowercased()] ?? (Self.knownArchitectures.contains(arch.lowercased()) ? arch.lowercased() : nil) {
                throw fail("unknown architecture '\(arch)'; write '\(better)'")
            }
            throw fail("unknown architecture '\(arch)'; use one of \(Self.knownArchitectures.joined(separator: ", "))")
        }
        let variant = parts.count == 3 ? parts[2] : nil
        if let variant, !variant.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) {
            throw fail("variant '\(variant)' must be lowercase letters and digits, e.g. v7 or v8")
        }
        self.init(os: os, architecture: arch, variant: variant)
        self.compression = compression
        if os == "windows", compression == .zstd {
            throw fail("Windows layers must stay gzip (Windows nodes need gzip layers); remove '+zstd' or use it on Linux platforms only")
        }

        if os == "linux" {
            if let release {
                throw fail("a Linux platform takes no release or version; remove ':\(release)'")
            }
            return
        }
        guard let release, !release.isEmpty else {
            throw fail("a Windows platform needs a release, e.g. windows/\(arch):ltsc2022, windows/\(arch):20348 or windows/\(arch):10.0.20348.2700, because images only run on hosts of a matching build")
        }
        if let known = WindowsRelease.named(release) {
            windowsBuild = known.build
        } else if release.allSatisfy({ $0.isASCII && $0.isNumber }), let build = Int(release), build > 0 {
            windowsBuild = build
        } else if release.contains(".") {
            guard let version = try? WindowsVersion(parsing: release) else {
                throw fail("'\(release)' is not a Windows version; write 10.0.BUILD or 10.0.BUILD.REVISION, e.g. 10.0.20348.2700")
            }
            guard version.major == 10, version.minor == 0 else {
                throw fail("Windows container images are version 10.0.x; '\(release)' cannot match any host")
            }
            guard version.build > 0 else {
                throw fail("build 0 in '\(release)' is not a Windows release; write 10.0.BUILD, e.g. 10.0.20348")
            }
            windowsBuild = version.build
        } else {
            throw fail("unknown Windows release '\(release)'; use one of \(WindowsRelease.all.map(\.name).joined(separator: ", ")), a build number (20348) or a full version (10.0.20348.2700); 'winimg versions' lists the releases")
        }
        if release.split(separator: ".").count == 4 {
            requestedVersion = release
        }
    }

    /// The known release for `windowsBuild`, if any.
    public var release: WindowsRelease? { windowsBuild.flatMap(WindowsRelease.forBuild) }

    /// `os/arch[/variant]`, plus for Windows `:release-name` when the build is a known release, else the
    /// version written or the build number; `+zstd` when zstd layers were asked for.
    public var description: String {
        target + (compression == .gzip ? "" : "+\(compression.rawValue)")
    }

    /// The description without the compression suffix: what identifies the image's platform (two
    /// specs differing only in compression would give two index entries for one platform).
    public var target: String {
        var s = "\(os)/\(architecture)"
        if let variant { s += "/\(variant)" }
        if let windowsBuild {
            // A bare build number that is also a release alias ("2025", "1809") would read back as
            // that release; write such builds as a version.
            let bare = String(windowsBuild)
            let build = WindowsRelease.named(bare) == nil ? bare : "10.0.\(bare)"
            s += ":" + (release?.name ?? requestedVersion ?? build)
        }
        return s
    }

    /// Whether an image platform (an index entry or a config) fits this spec: equal OS and architecture,
    /// equal variant when the spec names one, and for Windows the same build in `os.version`.
    public func matches(_ p: Platform) -> Bool {
        guard p.os == os, p.architecture == architecture else { return false }
        if let variant, p.variant != variant { return false }
        if let windowsBuild {
            guard let text = p.osVersion, let version = try? WindowsVersion(parsing: text) else { return false }
            return version.build == windowsBuild
        }
        return true
    }
}
