/// A reference to an image in a registry: `registry/repository[:tag][@digest]`.
///
/// Parsing follows the distribution reference grammar with Docker Hub normalisation, so `busybox`
/// means `docker.io/library/busybox:latest`, as it does for docker, containerd and crane.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The canonical registry name with optional port: `docker.io`, `localhost:5000`, `ghcr.io`, `[::1]:5000`.
    public var registry: String
    /// The repository path inside the registry, e.g. `library/busybox`.
    public var repository: String
    /// The tag; parsing sets `latest` only when neither a tag nor a digest was given.
    public var tag: String?
    /// The digest; when present it decides what is pulled and the tag is informational.
    public var digest: Digest?

    /// A reference from already-valid parts (not re-validated).
    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Docker Hub's canonical name; the API itself is served from `registry-1.docker.io`.
    public static let dockerHub = "docker.io"

    /// The host to send registry API requests to: `registry-1.docker.io` for Docker Hub, else `registry`.
    public var apiHost: String { registry == Self.dockerHub ? "registry-1.docker.io" : registry }

    /// What goes in `/v2/<name>/manifests/<reference>`: the digest when present, else the tag (default `latest`).
    public var reference: String { digest?.description ?? tag ?? "latest" }

    /// `registry/repository`, the name used for auth scopes and cross-repository mounts.
    public var repositoryReference: String { "\(registry)/\(repository)" }

    /// The canonical form `registry/repository[:tag][@digest]`, e.g. `docker.io/library/busybox:latest`.
    public var description: String {
        var s = repositoryReference
        if let tag { s += ":\(tag)" }
        if let digest { s += "@\(digest)" }
        return s
    }

    /// The same repository with another tag (nil drops it).
    public func withTag(_ t: String?) -> ImageReference {
        var copy = self
        copy.tag = t
        return copy
    }

    /// The same repository with another digest (nil drops it).
    public func withDigest(_ d: Digest?) -> ImageReference {
        var copy = self
        copy.digest = d
        return copy
    }

    /// The registry host without its port: `localhost`, `127.0.0.1`, `[::1]`.
    public var host: String {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            return String(registry[...close])
        }
        if let colon = registry.lastIndex(of: ":") { return String(registry[..<colon]) }
        return registry
    }

    /// True when the registry is on this machine (`localhost`, `127.x.x.x`, `[::1]`, any port), where
    /// plain HTTP is the norm for test registries.
    public var isLoopback: Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "[::1]" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
