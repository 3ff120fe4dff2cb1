import Foundation
import OCIModel

/// Where images are read from: a registry repository or an OCI layout.
public protocol ImageSource: Sendable {
    /// A manifest or index by tag or digest.
    func manifest(_ reference: String) async throws -> FetchedManifest
    /// A small blob (config) in memory, verified.
    func blobData(_ d: Digest, maxSize: Int64) async throws -> Data
    /// A blob written to `path` (atomically, verified).
    func fetchBlob(_ d: Digest, to path: String) async throws
    /// A blob handed to `consume` chunk by chunk as it arrives, digest verified at its end;
    /// `consume` returns false to stop reading early.
    func streamBlob(_ d: Digest, consume: @escaping @Sendable ([UInt8]) async throws -> Bool) async throws -> BlobStreamEnd
    /// For messages, e.g. `127.0.0.1:5000/app` or `oci:/tmp/layout`.
    var name: String { get }
}

/// Where images are written to.
public protocol ImageDestination: Sendable {
    func hasBlob(_ d: Digest) async throws -> Bool
    func putBlob(_ d: Digest, size: Int64, fromFile path: String) async throws
    func putBlob(_ d: Digest, data: Data) async throws
    /// Stores a manifest under `reference` (tag or digest) and returns its digest.
    func putManifest(_ bytes: Data, mediaType: String, reference: String) async throws -> Digest
    var name: String { get }
}

/// One repository of a registry, as a source and a destination.
public struct RegistryRepository: ImageSource, ImageDestination {
    public let client: RegistryClient
    public let repository: String

    public init(client: RegistryClient, repository: String) {
        self.client = client
        self.repository = repository
    }

    public var name: String { "\(client.host)/\(repository)" }

    public func manifest(_ reference: String) async throws -> FetchedManifest {
        try await client.manifest(repository: repository, reference: reference)
    }

    public func blobData(_ d: Digest, maxSize: Int64) async throws -> Data {
        try await client.blobData(repository: repository, digest: d, maxSize: maxSize)
    }

    public func fetchBlob(_ d: Digest, to path: String) async throws {
        try await client.downloadBlob(repository: repository, digest: d, to: path)
    }

    public func hasBlob(_ d: Digest) async throws -> Bool {
        try await client.blobExists(repository: repository, digest: d)
    }

    public func putBlob(_ d: Digest, size: Int64, fromFile path: String) async throws {
        try await client.uploadBlob(repository: repository, digest: d, size: size, fromFile: path)
    }

    /// `putBlob(_:size:fromFile:)`, telling `progress` how far the upload got.
    public func putBlob(_ d: Digest, size: Int64, fromFile path: String, progress: UploadReporter?) async throws {
        try await client.uploadBlob(repository: repository, digest: d, size: size, fromFile: path, progress: progress)
    }

    public func putBlob(_ d: Digest, data: Data) async throws {
        try await client.uploadBlob(repository: repository, digest: d, data: data)
    }

    public func putManifest(_ bytes: Data, mediaType: String, reference: String) async throws -> Digest {
        try await client.putManifest(repository: repository, reference: reference, bytes: bytes, mediaType: mediaType)
    }

    /// Cross-repository mount from `repo` on the same registry; false when the caller must upload.
    public func mount(_ d: Digest, from repo: String) async throws -> Bool {
        try await client.mountBlob(repository: repository, digest: d, from: repo)
    }
}

/// An OCI image layout as a source. References are tags (`ref.name` annotations) or digests.
public struct OCILayoutSource: ImageSource {
    public let layout: OCILayout

    public init(layout: OCILayout) {
        self.layout = layout
    }

    public var name: String { "oci:\(layout.root)" }

    public func manifest(_ reference: String) async throws -> FetchedManifest {
        let descriptor: Descriptor
        if let digest = try? Digest(reference) {
            // A digest need not be listed in index.json (a child of an index is not); the type then
            // comes from the manifest body.
            let listed = try layout.entries().first { $0.digest == digest }
            descriptor = listed ?? Descriptor(mediaType: "", digest: digest, size: 0)
        } else {
            descriptor = try layout.resolve(tag: reference)
        }
        let bytes = try layout.readBlob(descriptor.digest, maxSize: Int64(RegistryClient.maxManifestSize))
        if !descriptor.mediaType.isEmpty, Int64(bytes.count) != descriptor.size {
            throw RegistryError.sizeMismatch(expected: descriptor.size, actual: Int64(bytes.count),
                                             context: "manifest \(descriptor.digest) in \(layout.root)/index.json")
        }
        let mediaType = try RegistryClient.manifestMediaType(
            contentType: descriptor.mediaType.isEmpty ? nil : descriptor.mediaType, body: bytes,
            declaredBy: "the index.json mediaType",
            describe: { RegistryError.notALayout(path: layout.root, reason: "manifest \(descriptor.digest): \($0); fix the entry in index.json or copy the image again") })
        return FetchedManifest(bytes: bytes, mediaType: mediaType, digest: descriptor.digest)
    }

    public func blobData(_ d: Digest, maxSize: Int64) async throws -> Data {
        try layout.readBlob(d, maxSize: maxSize)
    }

    public func fetchBlob(_ d: Digest, to path: String) async throws {
        guard layout.hasBlob(d) else {
            throw RegistryError.io(path: layout.blobPath(d), reason: "blob \(d) is missing from the layout; the copy is incomplete — copy the image again (e.g. skopeo copy --all)")
        }
        try FileOps.placeVerified(from: layout.blobPath(d), to: path, digest: d)
    }
}
