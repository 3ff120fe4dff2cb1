import Foundation
import LayerBuilder
import OCIModel

/// The index to publish: its exact bytes, and the images that must be copied before it.
public struct ComposedIndex: Sendable {
    public var mediaType: String
    public var bytes: Data
    public var digest: Digest
    /// Every entry, in index order.
    public var entries: [IndexCandidate]
    /// Entries whose images must be copied into the target (new ones not already listed).
    public var toCopy: [IndexCandidate]
    /// Origins of existing entries that `--replace` dropped.
    public var replaced: [String]
    /// Origins of images already listed with the same digest and platform (nothing to do for them).
    public var alreadyListed: [String]
}

/// Turns resolved images into an index. Pure: every check that can refuse the request happens here,
/// before anything is written anywhere.
public enum IndexComposition {
    /// What an existing index contributes to `append`.
    public struct Existing: Sendable {
        public var entries: [IndexCandidate]
        public var mediaType: String
        public var annotations: [String: String]?
        /// The whole existing index, so fields this project does not model survive an append.
        public var json: JSONObject?

        public init(entries: [IndexCandidate], mediaType: String, annotations: [String: String]? = nil, json: JSONObject? = nil) {
            self.entries = entries
            self.mediaType = mediaType
            self.annotations = annotations
            self.json = json
        }
    }

    /// Builds the index.
    /// - Parameters:
    ///   - existing: the index appended to (nil for `create`).
    ///   - new: the images named on the command line, in order.
    ///   - indexType: `--index-type`; nil chooses from the images (or keeps the existing index's type).
    ///   - replace: an image whose platform is already listed replaces that entry in place.
    ///   - annotations: index annotations, merged over the existing ones.
    /// - Throws: `IndexError` for duplicate platforms, mixed media types or no images at all.
    public static func compose(existing: Existing?, new: [IndexCandidate], indexType: MediaType.Family?,
                               replace: Bool, annotations: [String: String]) throws -> ComposedIndex {
        // 1. Duplicates among the new images: always an error, --replace only concerns the existing index.
        var firstByKey: [String: IndexCandidate] = [:]
        for c in new {
            if let first = firstByKey[c.platformKey] {
                throw IndexError.duplicatePlatform(platform: c.platformKey, first: first.origin, second: c.origin, append: false)
            }
            firstByKey[c.platformKey] = c
        }

        // 2. Merge with the existing entries.
        var entries = existing?.entries ?? []
        var toCopy: [IndexCandidate] = []
        var replaced: [String] = []
        var alreadyListed: [String] = []
        for c in new {
            guard let i = entries.firstIndex(where: { $0.platformKey == c.platformKey }) else {
                entries.append(c)
                toCopy.append(c)
                continue
            }
            let old = entries[i]
            if old.descriptor.digest == c.descriptor.digest, old.descriptor.platform == c.descriptor.platform {
                alreadyListed.append(c.origin)
                continue
            }
            guard replace else {
                throw IndexError.duplicatePlatform(platform: c.platformKey, first: old.origin, second: c.origin, append: true)
            }
            replaced.append(old.origin)
            entries[i] = c
            toCopy.append(c)
        }
        guard !entries.isEmpty else { throw IndexError.noImages }

        // 3. Media types: the children are never changed, so the index type must fit them.
        let mediaType = try chooseType(entries: entries, requested: indexType, existing: existing?.mediaType)

        // 4. The document: an existing index keeps its other fields; entries and type are ours.
        var json: JSONObject
        if let old = existing?.json {
            json = old
            json["mediaType"] = .string(mediaType)
            json["manifests"] = .array(entries.map(\.entryJSON))
        } else {
            json = ImageIndex.make(mediaType: mediaType, manifests: []).json
            json["manifests"] = .array(entries.map(\.entryJSON))
        }
        var merged = existing?.annotations ?? [:]
        for (k, v) in annotations { merged[k] = v }
        if !merged.isEmpty { json["annotations"] = .object(JSONObject.sortedStrings(merged)) }
        let bytes = JSONValue.object(json).data
        return ComposedIndex(mediaType: mediaType, bytes: bytes, digest: SHA256Digest.of(bytes), entries: entries,
                             toCopy: toCopy, replaced: replaced, alreadyListed: alreadyListed)
    }

    /// A Docker manifest list may only list Docker manifests; an OCI index may list both. Without a
    /// request, `append` keeps the existing type and `create` takes the children's common family.
    static func chooseType(entries: [IndexCandidate], requested: MediaType.Family?, existing: String?) throws -> String {
        let docker = entries.filter { $0.family == .docker }
        let oci = entries.filter { $0.family != .docker }
        let family: MediaType.Family
        if let requested {
            family = requested
        } else if let existing {
            family = existing == MediaType.dockerManifestList ? .docker : .oci
        } else if oci.isEmpty {
            family = .docker
        } else if docker.isEmpty {
            family = .oci
        } else {
            throw IndexError.mixedMediaTypes(docker: docker.map(\.origin), oci: oci.map(\.origin))
        }
        if family == .docker, let first = oci.first {
            throw IndexError.dockerListWithOCIChild(image: first.origin, mediaType: first.descriptor.mediaType)
        }
        return family.index
    }
}
