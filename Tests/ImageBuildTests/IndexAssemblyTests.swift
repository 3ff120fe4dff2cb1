import Foundation
import LayerBuilder
import OCIModel
import RegistryClient
import Testing
@testable import ImageBuild

/// Images held in memory: enough of a registry repository to resolve manifests, indexes and configs.
struct MemorySource: ImageSource {
    var manifests: [String: FetchedManifest] = [:]
    var blobs: [Digest: Data] = [:]
    var name: String { "memory" }

    func manifest(_ reference: String) async throws -> FetchedManifest {
        guard let m = manifests[reference] else {
            throw RegistryError.io(path: reference, reason: "no such manifest")
        }
        return m
    }

    func blobData(_ d: Digest, maxSize: Int64) async throws -> Data {
        guard let b = blobs[d] else { throw RegistryError.io(path: d.description, reason: "no such blob") }
        return b
    }

    func fetchBlob(_ d: Digest, to path: String) async throws {
        try await blobData(d, maxSize: .max).write(to: URL(fileURLWithPath: path))
    }

    /// Adds an image with one layer; returns its manifest.
    @discardableResult
    mutating func addImage(tag: String? = nil, os: String = "windows", arch: String = "amd64", variant: String? = nil,
                           osVersion: String? = nil, osFeatures: [String]? = nil, family: MediaType.Family = .docker,
                           configType: String? = nil, seed: String = "") -> FetchedManifest {
        let config = ImageConfig.scratch(platform: Platform(os: os, architecture: arch, variant: variant, osVersion: osVersion, osFeatures: osFeatures),
                                         created: "1970-01-01T00:00:00Z").encoded()
        let layer = Data("layer \(os) \(arch) \(osVersion ?? "") \(seed)".utf8)
        blobs[SHA256Digest.of(config)] = config
        blobs[SHA256Digest.of(layer)] = layer
        var object = JSONObject()
        object["schemaVersion"] = .int(2)
        object["mediaType"] = .string(family.manifest)
        object["config"] = .object(Descriptor(mediaType: configType ?? family.config, digest: SHA256Digest.of(config), size: Int64(config.count)).jsonObject)
        object["layers"] = .array([.object(Descriptor(mediaType: family.gzipLayer, digest: SHA256Digest.of(layer), size: Int64(layer.count)).jsonObject)])
        let bytes = JSONValue.object(object).data
        let fetched = FetchedManifest(bytes: bytes, mediaType: family.manifest, digest: SHA256Digest.of(bytes))
        manifests[fetched.digest.description] = fetched
        if let tag { manifests[tag] = fetched }
        return fetched
    }

    /// Adds an index over `entries` (manifest, platform written in the entry).
    @discardableResult
    mutating func addIndex(tag: String, _ entries: [(FetchedManifest, Platform?)], annotations: [[String: String]?]? = nil,
                           family: MediaType.Family = .oci) -> FetchedManifest {
        let descriptors = entries.enumerated().map { i, e in
            Descriptor(mediaType: e.0.mediaType, digest: e.0.digest, size: Int64(e.0.bytes.count),
                       annotations: annotations?[i], platform: e.1)
        }
        let bytes = ImageIndex.make(mediaType: family.index, manifests: descriptors).encoded()
        let fetched = FetchedManifest(bytes: bytes, mediaType: family.index, digest: SHA256Digest.of(bytes))
        manifests[tag] = fetched
        manifests[fetched.digest.description] = fetched
        return fetched
    }
}

@Suite struct IndexAssemblyTests {
    static func resolve(_ source: MemorySource, _ refs: [String], filters: [String] = []) async throws -> ([IndexCandidate], [String]) {
        let resolver = IndexResolver(filters: try filters.map { try PlatformSelector(parsing: $0) })
        var all: [IndexCandidate] = []
        var warnings: [String] = []
        for r in refs {
            let resolved = try await resolver.resolve(source: source, reference: r, display: "mem/\(r)")
            all += resolved.candidates
            warnings += resolved.warnings
        }
        return (all, warnings)
    }

    static func compose(_ c: [IndexCandidate], type: MediaType.Family? = nil) throws -> ComposedIndex {
        try IndexComposition.compose(existing: nil, new: c, indexType: type, replace: false, annotations: [:])
    }

    @Test func platformsComeFromEachConfig() async throws {
        var s = MemorySource()
        s.addImage(tag: "ltsc2019", osVersion: "10.0.17763.6414")
        s.addImage(tag: "ltsc2022", osVersion: "10.0.20348.2762", osFeatures: ["win32k"])
        let (c, warnings) = try await Self.resolve(s, ["ltsc2019", "ltsc2022"])
        let index = try Self.compose(c)
        #expect(warnings.isEmpty)
        #expect(index.mediaType == MediaType.dockerManifestList, "all Docker children: a Docker list")
        let parsed = try ImageIndex(data: index.bytes)
        let entries = try parsed.manifests
        #expect(entries.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.20348.2762"])
        #expect(entries[1].platform?.osFeatures == ["win32k"])
        #expect(entries.map(\.digest) == [s.manifests["ltsc2019"]!.digest, s.manifests["ltsc2022"]!.digest])
        #expect(entries.allSatisfy { $0.mediaType == MediaType.dockerManifest })
        #expect(index.digest == SHA256Digest.of(index.bytes))
        // Each image's config and layer are what gets copied.
        #expect(c.allSatisfy { $0.blobs.count == 2 })
    }

    @Test func configWinsOverAWrongIndexEntry() async throws {
        var s = MemorySource()
        let m = s.addImage(osVersion: "10.0.20348.2762")
        // The kind of entry `docker manifest create` without annotate leaves: no os.version at all,
        // and here a wrong one besides.
        s.addIndex(tag: "list", [(m, Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.1"))])
        let (c, warnings) = try await Self.resolve(s, ["list"])
        #expect(c.first?.descriptor.platform?.osVersion == "10.0.20348.2762")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("10.0.17763.1") == true && warnings.first?.contains("using the config") == true)
    }

    @Test func osFeaturesOfTheEntryKeptWhenTheConfigHasNone() async throws {
        var s = MemorySource()
        let m = s.addImage(osVersion: "10.0.20348.2762")
        s.addIndex(tag: "servercore", [(m, Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2762", osFeatures: ["win32k"]))],
                   annotations: [["org.example.note": "kept", OCILayout.refNameAnnotation: "dropped"]])
        let (c, warnings) = try await Self.resolve(s, ["servercore"])
        #expect(warnings.isEmpty)
        #expect(c.first?.descriptor.platform?.osFeatures == ["win32k"])
        #expect(c.first?.descriptor.annotations == ["org.example.note": "kept"])
    }

    @Test func duplicatePlatformNamesBothImages() async throws {
        var s = MemorySource()
        s.addImage(tag: "a", osVersion: "10.0.20348.2762")
        // Another revision of the same build: a host would still pull only one of them.
        s.addImage(tag: "b", osVersion: "10.0.20348.2700")
        let (c, _) = try await Self.resolve(s, ["a", "b"])
        #expect(throws: IndexError.duplicatePlatform(platform: "windows/amd64:10.0.20348", first: "mem/a", second: "mem/b", append: false)) {
            try Self.compose(c)
        }
        let message = "\(IndexError.duplicatePlatform(platform: "windows/amd64:10.0.20348", first: "mem/a", second: "mem/b", append: false))"
        #expect(message.contains("mem/a") && message.contains("mem/b") && message.contains("drop one"))
    }

    @Test func linuxArm64VariantV8IsTheSameAsNone() async throws {
        var s = MemorySource()
        s.addImage(tag: "a", os: "linux", arch: "arm64", family: .oci)
        s.addImage(tag: "b", os: "linux", arch: "arm64", variant: "v8", family: .oci, seed: "b")
        s.addImage(tag: "c", os: "linux", arch: "arm", variant: "v7", family: .oci)
        let (c, _) = try await Self.resolve(s, ["a", "b"])
        #expect(throws: IndexError.self) { try Self.compose(c) }
        let (ok, _) = try await Self.resolve(s, ["a", "c"])
        #expect(try Self.compose(ok).mediaType == MediaType.ociIndex)
    }

    @Test func mixedMediaTypesNeedAChoice() async throws {
        var s = MemorySource()
        s.addImage(tag: "win", osVersion: "10.0.20348.2762")
        s.addImage(tag: "linux", os: "linux", family: .oci)
        let (c, _) = try await Self.resolve(s, ["win", "linux"])
        #expect(throws: IndexError.mixedMediaTypes(docker: ["mem/win"], oci: ["mem/linux"])) { try Self.compose(c) }
        #expect("\(IndexError.mixedMediaTypes(docker: ["mem/win"], oci: ["mem/linux"]))".contains("--index-type oci"))

        let oci = try Self.compose(c, type: .oci)
        #expect(oci.mediaType == MediaType.ociIndex)
        // Only the index changes type; every child keeps its own type and digest.
        let entries = try ImageIndex(data: oci.bytes).manifests
        #expect(entries.map(\.mediaType) == [MediaType.dockerManifest, MediaType.ociManifest])
        #expect(entries.map(\.digest) == [s.manifests["win"]!.digest, s.manifests["linux"]!.digest])

        #expect(throws: IndexError.dockerListWithOCIChild(image: "mem/linux", mediaType: MediaType.ociManifest)) {
            try Self.compose(c, type: .docker)
        }
    }

    @Test func allOCIGivesAnOCIIndexAndDockerCanBeAskedFor() async throws {
        var s = MemorySource()
        s.addImage(tag: "amd64", os: "linux", family: .oci)
        s.addImage(tag: "arm64", os: "linux", arch: "arm64", family: .oci)
        let (c, _) = try await Self.resolve(s, ["amd64", "arm64"])
        #expect(try Self.compose(c).mediaType == MediaType.ociIndex)
        var d = MemorySource()
        d.addImage(tag: "x", osVersion: "10.0.17763.6414")
        let (dc, _) = try await Self.resolve(d, ["x"])
        #expect(try Self.compose(dc, type: .oci).mediaType == MediaType.ociIndex)
    }

    @Test func platformFilterKeepsMatchingEntries() async throws {
        var s = MemorySource()
        let w19 = s.addImage(osVersion: "10.0.17763.6414")
        let w22 = s.addImage(osVersion: "10.0.20348.2762")
        let l = s.addImage(os: "linux", family: .oci)
        s.addIndex(tag: "all", [(w19, nil), (w22, nil), (l, nil)])
        let (c, _) = try await Self.resolve(s, ["all"], filters: ["windows:ltsc2022", "linux"])
        #expect(c.map(\.descriptor.digest) == [w22.digest, l.digest])
        await #expect(throws: IndexError.self) { _ = try await Self.resolve(s, ["all"], filters: ["linux/arm64"]) }
    }

    @Test func attestationsAreSkippedAndNestedIndexesRefused() async throws {
        var s = MemorySource()
        let img = s.addImage(os: "linux", family: .oci)
        let att = s.addImage(os: "linux", family: .oci, configType: "application/vnd.in-toto+json", seed: "att")
        s.addIndex(tag: "buildx", [(img, Platform(os: "linux", architecture: "amd64")), (att, Platform(os: "unknown", architecture: "unknown"))])
        let (c, warnings) = try await Self.resolve(s, ["buildx"])
        #expect(c.map(\.descriptor.digest) == [img.digest])
        #expect(warnings.count == 1 && warnings[0].contains("skipped"))

        let inner = s.addIndex(tag: "inner", [(img, nil)])
        s.addIndex(tag: "outer", [(inner, nil)])
        await #expect(throws: IndexError.nestedIndex(image: "mem/outer", digest: inner.digest.description)) {
            _ = try await Self.resolve(s, ["outer"])
        }
        // A non-image named directly is refused rather than skipped.
        s.manifests["att"] = att
        await #expect(throws: IndexError.self) { _ = try await Self.resolve(s, ["att"]) }
    }

    /// An existing index built by `create`, read back as `append` does.
    static func existing(_ index: ComposedIndex, target: String = "reg/app:1") throws -> IndexComposition.Existing {
        let parsed = try ImageIndex(data: index.bytes)
        let entries = try (parsed.json["manifests"]?.arrayValue ?? []).enumerated().map {
            try IndexCandidate.existing($1, position: $0, target: target)
        }
        return .init(entries: entries, mediaType: index.mediaType, annotations: parsed.json["annotations"]?.objectValue?.stringDictionary, json: parsed.json)
    }

    @Test func appendAddsRefusesDuplicatesAndReplaces() async throws {
        var s = MemorySource()
        s.addImage(tag: "2019", osVersion: "10.0.17763.6414")
        s.addImage(tag: "2022", osVersion: "10.0.20348.2762")
        s.addImage(tag: "2025", osVersion: "10.0.26100.2314")
        s.addImage(tag: "2022-new", osVersion: "10.0.20348.2800")
        let (first, _) = try await Self.resolve(s, ["2019", "2022"])
        let created = try IndexComposition.compose(existing: nil, new: first, indexType: nil, replace: false, annotations: ["a": "1"])
        let existing = try Self.existing(created)

        let (more, _) = try await Self.resolve(s, ["2025"])
        let appended = try IndexComposition.compose(existing: existing, new: more, indexType: nil, replace: false, annotations: ["b": "2"])
        let entries = try ImageIndex(data: appended.bytes).manifests
        #expect(entries.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314"])
        #expect(appended.toCopy.map(\.origin) == ["mem/2025"], "only the new image is copied")
        #expect(try ImageIndex(data: appended.bytes).json["annotations"]?.objectValue?.stringDictionary == ["a": "1", "b": "2"])
        // The existing entries are written back byte for byte.
        let before = try ImageIndex(data: created.bytes).json["manifests"]!.arrayValue!
        let after = try ImageIndex(data: appended.bytes).json["manifests"]!.arrayValue!
        #expect(after.prefix(2).map { $0.serialized() } == before.map { $0.serialized() })

        let (newer, _) = try await Self.resolve(s, ["2022-new"])
        #expect(throws: IndexError.duplicatePlatform(platform: "windows/amd64:10.0.20348", first: "reg/app:1 (entry 2)", second: "mem/2022-new", append: true)) {
            try IndexComposition.compose(existing: existing, new: newer, indexType: nil, replace: false, annotations: [:])
        }
        #expect("\(IndexError.duplicatePlatform(platform: "p", first: "x", second: "y", append: true))".contains("--replace"))
        let replaced = try IndexComposition.compose(existing: existing, new: newer, indexType: nil, replace: true, annotations: [:])
        #expect(try ImageIndex(data: replaced.bytes).manifests.map { $0.platform?.osVersion } == ["10.0.17763.6414", "10.0.20348.2800"],
                "replaced in place")
        #expect(replaced.replaced == ["reg/app:1 (entry 2)"])

        // Appending what is already there changes nothing.
        let (same, _) = try await Self.resolve(s, ["2022"])
        let again = try IndexComposition.compose(existing: existing, new: same, indexType: nil, replace: false, annotations: [:])
        #expect(again.toCopy.isEmpty && again.alreadyListed == ["mem/2022"])
        #expect(try ImageIndex(data: again.bytes).manifests == (try ImageIndex(data: created.bytes).manifests))
    }

    @Test func appendToADockerListKeepsItsType() async throws {
        var s = MemorySource()
        s.addImage(tag: "win", osVersion: "10.0.17763.6414")
        s.addImage(tag: "linux", os: "linux", family: .oci)
        let (first, _) = try await Self.resolve(s, ["win"])
        let existing = try Self.existing(try Self.compose(first))
        #expect(existing.mediaType == MediaType.dockerManifestList)
        let (linux, _) = try await Self.resolve(s, ["linux"])
        #expect(throws: IndexError.dockerListWithOCIChild(image: "mem/linux", mediaType: MediaType.ociManifest)) {
            try IndexComposition.compose(existing: existing, new: linux, indexType: nil, replace: false, annotations: [:])
        }
        let converted = try IndexComposition.compose(existing: existing, new: linux, indexType: .oci, replace: false, annotations: [:])
        #expect(converted.mediaType == MediaType.ociIndex)
        #expect(try ImageIndex(data: converted.bytes).mediaType == MediaType.ociIndex)
    }

    @Test func annotationFlags() throws {
        #expect(try IndexRequest.annotations(["a=1", "b=x=y", "c="]) == ["a": "1", "b": "x=y", "c": ""])
        #expect(throws: IndexError.invalidAnnotation("novalue")) { try IndexRequest.annotations(["novalue"]) }
        #expect(throws: IndexError.invalidAnnotation("=v")) { try IndexRequest.annotations(["=v"]) }
    }
}
