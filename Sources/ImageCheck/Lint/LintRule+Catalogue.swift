import Foundation

extension LintRule {
    // Index entries and their configs.
    public static let missingOSVersion = LintRule(
        id: "WI001", name: "missing-os-version", severity: .error,
        title: "Windows index entry without platform.os.version",
        fix: "set the entry's os.version to the base's (10.0.BUILD.REV); winimg build copies it from each base config, `docker manifest annotate --os-version` or a descriptor file for `docker buildx imagetools create -f` do it by hand")
    public static let osVersionBuildMismatch = LintRule(
        id: "WI002", name: "os-version-build-mismatch", severity: .error,
        title: "index os.version and config os.version name different Windows builds",
        fix: "containerd picks the entry by the index os.version but the host runs what the config says; rebuild the entry on the base whose build the index claims, or correct the index entry to the config's os.version")
    public static let osVersionRevisionMismatch = LintRule(
        id: "WI003", name: "os-version-revision-mismatch", severity: .warning,
        title: "index os.version and config os.version differ in the revision only",
        fix: "copy os.version from the config into the index entry so hosts prefer the right patch level")
    public static let osFeaturesMismatch = LintRule(
        id: "WI004", name: "os-features-mismatch", severity: .warning,
        title: "index os.features differ from the config's",
        fix: "copy os.features (e.g. win32k for Server Core) from the config into the index entry")
    public static let platformMismatch = LintRule(
        id: "WI005", name: "platform-mismatch", severity: .error,
        title: "index entry os/architecture/variant differ from the config",
        fix: "the entry is chosen by its index platform but the config describes another; fix the index entry or push the right image for it")
    public static let configMissingOSVersion = LintRule(
        id: "WI006", name: "config-missing-os-version", severity: .warning,
        title: "Windows image config without os.version",
        fix: "keep the base config's os.version; rebuild on an unmodified Windows base")
    public static let linuxPath = LintRule(
        id: "WI007", name: "linux-path", severity: .error,
        title: "Linux PATH in a Windows image config",
        fix: "set a Windows PATH, e.g. --env-windows 'PATH=C:\\Windows\\system32;C:\\Windows;' (BuildKit cross-builds write the Linux default)")
    public static let linuxCommand = LintRule(
        id: "WI008", name: "linux-command", severity: .warning,
        title: "Windows image whose Entrypoint or Cmd is a Linux shell",
        fix: "set a Windows program, e.g. --entrypoint 'C:\\\\app.exe' or cmd /S /C for shell form")
    public static let noCommand = LintRule(
        id: "WI009", name: "no-command", severity: .warning,
        title: "image config with neither Entrypoint nor Cmd",
        fix: "set --entrypoint (or --cmd) so the container has something to run")
    public static let layerCountMismatch = LintRule(
        id: "WI010", name: "layer-count-mismatch", severity: .error,
        title: "config rootfs.diff_ids and manifest layers differ in number",
        fix: "every manifest layer needs its diff_id in the config, in the same order; rebuild the image")

    // The index as a whole.
    public static let requiredReleaseMissing = LintRule(
        id: "WI011", name: "required-release-missing", severity: .error,
        title: "no entry for a Windows release given with --require",
        fix: "add a platform for the release (winimg build --platform windows/amd64:RELEASE with its base); see winimg versions")
    public static let duplicatePlatform = LintRule(
        id: "WI012", name: "duplicate-platform", severity: .error,
        title: "two entries with the same os/architecture/variant/os.version/os.features",
        fix: "only the first of them is ever pulled; drop the duplicate or give each its own os.version")
    public static let artifactWithPlatform = LintRule(
        id: "WI013", name: "artifact-with-platform", severity: .error,
        title: "non-image entry (attestation, SBOM, artifact) with a real platform",
        fix: "a puller for that platform may pick it and fail; give attestations platform unknown/unknown and the vnd.docker.reference.type annotation, or build without them (--provenance=false --sbom=false)")
    public static let unmarkedAttestation = LintRule(
        id: "WI014", name: "unmarked-attestation", severity: .warning,
        title: "unknown/unknown entry without a vnd.docker.reference.type annotation",
        fix: "annotate it (vnd.docker.reference.type=attestation-manifest, vnd.docker.reference.digest=IMAGE) or move it to the referrers API via a subject")
    public static let attestationsPresent = LintRule(
        id: "WI015", name: "attestations-present", severity: .info,
        title: "index carries attestation manifests",
        fix: "docker manifest create rejects such a per-platform image ('is a manifest list'); build with --provenance=false --sbom=false when those tools consume it")
    public static let nestedIndex = LintRule(
        id: "WI016", name: "nested-index", severity: .warning,
        title: "index entry that is itself an index",
        fix: "flatten it: put the child index's image manifests in the top index (docker manifest create, manifest-tool and many older clients do not descend into a child index)")
    public static let noRunnableEntry = LintRule(
        id: "WI017", name: "no-runnable-entry", severity: .error,
        title: "index with no container image (only attestations or artifacts, or empty)",
        fix: "push the image manifests into the index; every pull of this reference fails with 'no match for platform'")
    public static let mixedMediaTypes = LintRule(
        id: "WI018", name: "mixed-media-types", severity: .warning,
        title: "Docker manifest list with OCI manifest entries",
        fix: "publish an OCI index instead (it may list Docker and OCI manifests alike); older registries and clients reject OCI entries in a Docker list")

    // Windows releases.
    public static let unknownWindowsBuild = LintRule(
        id: "WI019", name: "unknown-windows-build", severity: .warning,
        title: "Windows os.version whose build is no known server release",
        fix: "no Windows Server host has this build, so no node pulls the entry; use a base of a release listed by winimg versions")
    public static let releaseRetired = LintRule(
        id: "WI020", name: "release-retired", severity: .warning,
        title: "entry for a semi-annual/annual release past its end of support",
        fix: "retired releases get no security updates; drop the entry or move its users to an LTSC release")
    public static let releaseMainstreamEnded = LintRule(
        id: "WI021", name: "release-mainstream-ended", severity: .info,
        title: "entry for an LTSC release past its end of mainstream support",
        fix: "extended support continues; plan the move to the next LTSC release")
    public static let foreignLayers = LintRule(
        id: "WI022", name: "foreign-layers", severity: .info,
        title: "layers served from their urls (foreign / non-distributable)",
        fix: "air-gapped nodes and some mirrors cannot fetch them; rebase on a current base (Microsoft stopped foreign layers in 2023)")
    public static let singleWindowsManifest = LintRule(
        id: "WI023", name: "single-windows-manifest", severity: .info,
        title: "a lone Windows manifest, not an index",
        fix: "hosts of other Windows builds cannot choose an entry; publish an index with one entry per release (winimg build --platform ...)")

    // Layer contents (with --layers).
    public static let windowsLayerRoots = LintRule(
        id: "WI024", name: "windows-layer-roots", severity: .error,
        title: "Windows layer without Files/ and Hives/ roots, or with entries outside them",
        fix: "write Windows layers with Hives and Files first and every path under Files/ (winimg build does; crane append does for Windows bases)", needsLayers: true)
    public static let windowsLayerOrder = LintRule(
        id: "WI025", name: "windows-layer-order", severity: .error,
        title: "Windows layer entry before its parent directory, or with no parent entry",
        fix: "the import fails with 'path not found'; write every directory before its children", needsLayers: true)
    public static let windowsLayerSecurity = LintRule(
        id: "WI026", name: "windows-layer-security-descriptor", severity: .warning,
        title: "Windows layer file without a valid MSWINDOWS.rawsd PAX record",
        fix: "give every Files/ entry a base64 MSWINDOWS.rawsd security descriptor, or executables may not run as ContainerUser", needsLayers: true)
    public static let unreadableLayer = LintRule(
        id: "WI027", name: "unreadable-layer", severity: .error,
        title: "layer blob that is not a readable tar (or tar.gz)",
        fix: "re-push the layer; pulls of this entry fail", needsLayers: true)

    // Added after the first release of the catalogue (ids continue, never reused).
    public static let entryWithoutPlatform = LintRule(
        id: "WI028", name: "entry-without-platform", severity: .warning,
        title: "index entry of a container image without a platform",
        fix: "give the entry platform os/architecture (and os.version for Windows) from its config; containerd must then fetch the config to decide, and tools that choose by the index alone skip or misplace it")

    /// Every rule, by id.
    public static let all: [LintRule] = [
        missingOSVersion, osVersionBuildMismatch, osVersionRevisionMismatch, osFeaturesMismatch, platformMismatch,
        configMissingOSVersion, linuxPath, linuxCommand, noCommand, layerCountMismatch,
        requiredReleaseMissing, duplicatePlatform, artifactWithPlatform, unmarkedAttestation, attestationsPresent,
        nestedIndex, noRunnableEntry, mixedMediaTypes,
        unknownWindowsBuild, releaseRetired, releaseMainstreamEnded, foreignLayers, singleWindowsManifest,
        windowsLayerRoots, windowsLayerOrder, windowsLayerSecurity, unreadableLayer, entryWithoutPlatform,
    ]

    /// The rule with this id (`WI001`) or name (`missing-os-version`), ignoring case.
    public static func named(_ s: String) -> LintRule? {
        all.first { $0.id.caseInsensitiveCompare(s) == .orderedSame || $0.name.caseInsensitiveCompare(s) == .orderedSame }
    }
}
