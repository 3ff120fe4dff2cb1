import Foundation
import LayerBuilder
import OCIModel

/// A read-only view of an OCI image layout directory (image-layout.md): `oci-layout`,
/// `index.json` and `blobs/<alg>/<encoded>`.
public struct OCILayout: Sendable {
    /// The layout directory.
    public let root: String

    /// The annotation naming an index.json entry, the `TAG` of `oci:DIR:TAG`.
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    public init(root: String) {
        self.root = root
    }

    /// The exact bytes of `index.json`.
    /// - Throws: `RegistryError.notALayout` when `oci-layout` or `index.json` is missing.
    public func index() throws -> Data {
        guard FileOps.isDirectory(root) else {
            throw RegistryError.notALayout(path: root, reason: "no such directory; check the path after oci:")
        }
        guard FileOps.exists(root + "/oci-layout") else {
            throw RegistryError.notALayout(path: root, reason: "the oci-layout file is missing")
        }
        guard let data = FileManager.default.contents(atPath: root + "/index.json") else {
            throw RegistryError.notALayout(path: root, reason: "index.json is missing or unreadable")
        }
        return data
    }

    /// Where the blob with digest `d` lives (it may not exist).
    public func blobPath(_ d: Digest) -> String { root + "/" + d.layoutPath }

    public func hasBlob(_ d: Digest) -> Bool { FileOps.exists(blobPath(d)) }

    /// Reads a blob into memory, refusing more than `maxSize` bytes, and verifies its digest.
    public func readBlob(_ d: Digest, maxSize: Int64) throws -> Data {
        try d.requireVerifiable()
        let path = blobPath(d)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.int64Value else {
            throw RegistryError.io(path: path, reason: "blob \(d) is missing from the layout; the copy is incomplete — copy the image again (e.g. skopeo copy --all)")
        }
        guard size <= maxSize else { throw RegistryError.tooLarge(limit: maxSize, context: "blob \(d) (\(size) bytes)") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError.io(path: path, reason: "cannot read blob")
        }
        let actual = SHA256Digest.of(data)
        guard actual == d else { throw RegistryError.digestMismatch(expected: d, actual: actual, context: path) }
        return data
    }

    /// The entries of index.json.
    public func entries() throws -> [Descriptor] {
        let data = try index()
        struct Index: Decodable { var manifests: [Descriptor]? }
        do {
            return try JSONDecoder().decode(Index.self, from: data).manifests ?? []
        } catch {
            throw RegistryError.notALayout(path: root, reason: "index.json is malformed (\(Self.jsonProblem(error))); copy the layout again, e.g. with skopeo copy --all")
        }
    }

    /// The index.json entry whose `org.opencontainers.image.ref.name` is `tag`; with a nil tag, the
    /// only entry. Errors list the tags that exist.
    public func resolve(tag: String?) throws -> Descriptor {
        let all = try entries()
        let tags = all.compactMap { $0.annotations?[Self.refNameAnnotation] }.sorted()
        if let tag {
            if let match = all.first(where: { $0.annotations?[Self.refNameAnnotation] == tag }) { return match }
            throw RegistryError.layoutReferenceNotFound(path: root, reference: tag, available: tags)
        }
        guard all.count == 1 else {
            if all.isEmpty { throw RegistryError.layoutReferenceNotFound(path: root, reference: nil, available: []) }
            throw RegistryError.layoutReferenceNotFound(path: root, reference: nil, available: tags)
        }
        return all[0]
    }
}
