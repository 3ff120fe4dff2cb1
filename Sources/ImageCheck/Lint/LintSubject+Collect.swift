import Foundation
import OCIModel
import RegistryClient

extension ImageInspector {
    /// Fetches `reference` and everything `winimg lint` checks below it: each entry's manifest, layer
    /// descriptors and config (configs only; layers are read by `Linter.layerFindings`).
    /// - Throws: source errors, `CheckError.unsupportedDocument` when the reference is no index or
    ///   image manifest.
    public func lintSubject(_ reference: String, display: String) async throws -> LintSubject {
        let top = try await source.manifest(reference)
        if MediaType.isIndex(top.mediaType) {
            let index = try ImageIndex(data: top.bytes)
            var entries: [LintEntry] = []
            for (i, d) in try index.manifests.enumerated() {
                entries.append(try await lintEntry(d, position: i, bytes: nil))
            }
            return LintSubject(reference: display, digest: top.digest, mediaType: top.mediaType, isIndex: true, entries: entries)
        }
        guard MediaType.isImageManifest(top.mediaType) else {
            throw CheckError.unsupportedDocument(display, mediaType: top.mediaType)
        }
        let d = Descriptor(mediaType: top.mediaType, digest: top.digest, size: Int64(top.bytes.count))
        let entry = try await lintEntry(d, position: nil, bytes: top.bytes)
        return LintSubject(reference: display, digest: top.digest, mediaType: top.mediaType, isIndex: false, entries: [entry])
    }

    private func lintEntry(_ d: Descriptor, position: Int?, bytes: Data?) async throws -> LintEntry {
        if MediaType.isIndex(d.mediaType) {
            let image = try await image(d, position: position)
            return LintEntry(image: image, descriptor: d, artifactType: d.artifactType)
        }
        let body: Data
        if let bytes { body = bytes } else { body = try await source.manifest(d.digest.description).bytes }
        let (image, config) = try await imageAndConfig(d, position: position, bytes: body)
        let manifest = try ImageManifest(data: body)
        return LintEntry(image: image, descriptor: d,
                         artifactType: d.artifactType ?? manifest.json["artifactType"]?.stringValue,
                         configMediaType: try manifest.config.mediaType, layers: try manifest.layers, config: config)
    }
}
