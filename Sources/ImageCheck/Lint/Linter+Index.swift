import OCIModel

extension Linter {
    /// Rules about the index as a whole: required releases, duplicates, attestations, media types.
    func indexFindings(_ s: LintSubject) -> [LintFinding] {
        var out: [LintFinding] = []
        let images = s.entries.filter(\.isContainerImage)

        if s.isIndex, images.isEmpty {
            let what = s.entries.isEmpty ? "the index has no entries"
                : "none of its \(s.entries.count) entries is a container image (\(s.entries.map(Self.kind).joined(separator: ", ")))"
            out.append(LintFinding(rule: .noRunnableEntry, message: what))
        }
        if !s.isIndex, let e = s.entries.first, e.isWindows, e.isContainerImage {
            out.append(LintFinding(.singleWindowsManifest, e, "the reference is one Windows manifest (build \(Self.build(e.platform).map(String.init) ?? "unknown")); a host of another build has nothing to choose"))
        }

        // Required releases: some Windows image entry of that build.
        let builds = Set(images.filter(\.isWindows).compactMap { Self.build($0.platform) })
        for r in options.required where !builds.contains(r.build) {
            let have = builds.sorted().map { b in WindowsRelease.forBuild(b).map { "\($0.name) (\(b))" } ?? String(b) }
            out.append(LintFinding(rule: .requiredReleaseMissing, message: "no entry for \(r.name) (build \(r.build)); Windows entries: \(have.isEmpty ? "none" : have.joined(separator: ", "))"))
        }

        // Duplicates among the entries a puller may choose.
        var seen: [PlatformKey: LintEntry] = [:]
        for e in s.entries where s.isIndex && e.isContainerImage {
            guard let p = e.image.entryPlatform else { continue }
            let key = PlatformKey(p)
            if let first = seen[key] {
                out.append(LintFinding(.duplicatePlatform, e, "same platform as entry #\(first.image.position ?? 0) (\(Inspection.platformText(p))); containerd always takes the first"))
            } else {
                seen[key] = e
            }
        }

        // Attestations and other artifacts.
        let attestations = s.entries.filter(\.isAttestation)
        for e in s.entries where s.isIndex && !e.isContainerImage && !e.isNestedIndex {
            if let p = e.image.entryPlatform, !(p.os == "unknown" && p.architecture == "unknown") {
                out.append(LintFinding(.artifactWithPlatform, e, "\(Self.kind(e)) listed as \(p.osArchVariant); a \(p.osArchVariant) puller may choose it and fail"))
            } else if e.referenceType == nil {
                out.append(LintFinding(.unmarkedAttestation, e, "\(Self.kind(e)) with platform \(e.image.entryPlatform.map(\.osArchVariant) ?? "(none)") and no vnd.docker.reference.type annotation; tools that skip attestations by that annotation treat it as an image"))
            }
        }
        if !attestations.isEmpty, !images.isEmpty {
            out.append(LintFinding(rule: .attestationsPresent, message: "\(attestations.count) attestation entr\(attestations.count == 1 ? "y" : "ies") (\(attestations.compactMap { $0.image.position }.map { "#\($0)" }.joined(separator: ", ")))"))
        }
        for e in s.entries where e.isNestedIndex {
            out.append(LintFinding(.nestedIndex, e, "entry \(e.descriptor.digest) is an index (\(e.descriptor.mediaType))"))
        }

        // Media type families: an OCI index may list Docker manifests (the OCI spec allows any
        // manifest type, and containerd and registries accept it), but a Docker list of OCI
        // manifests is outside the Docker schema and rejected by older registries and clients.
        if s.isIndex, s.mediaType == MediaType.dockerManifestList {
            let oci = s.entries.filter { MediaType.Family(manifestType: $0.descriptor.mediaType) == .oci }
            if !oci.isEmpty {
                out.append(LintFinding(rule: .mixedMediaTypes, message: "Docker manifest list with OCI entries: \(oci.compactMap { $0.image.position }.map { "#\($0)" }.joined(separator: ", "))"))
            }
        }
        return out
    }

    /// The Windows build of a platform's os.version, if it parses.
    static func build(_ p: Platform?) -> Int? {
        guard let v = p?.osVersion, !v.isEmpty else { return nil }
        return (try? WindowsVersion(parsing: v))?.build
    }

    /// `attestation`, `nested index`, `artifact (TYPE)`, `image` for messages.
    static func kind(_ e: LintEntry) -> String {
        if e.isNestedIndex { return "nested index" }
        if e.isAttestation { return e.referenceType.map { "attestation (\($0))" } ?? "attestation" }
        if let t = e.artifactType { return "artifact (\(t))" }
        if e.config == nil { return "artifact (config \(e.configMediaType ?? "none"))" }
        return "image"
    }
}

/// What makes two entries the same platform to a puller (manifest-tool's duplicate key).
struct PlatformKey: Hashable {
    var os: String, architecture: String, variant: String, osVersion: String, features: [String]

    init(_ p: Platform) {
        os = p.os
        architecture = p.architecture
        variant = p.variant ?? ""
        osVersion = p.osVersion ?? ""
        features = (p.osFeatures ?? []).sorted()
    }
}
