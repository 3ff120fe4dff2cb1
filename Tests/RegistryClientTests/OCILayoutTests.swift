import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

@Suite("OCI image layout")
struct OCILayoutTests {
    /// Writes an image's blobs and manifest through the writer (layer from a file, the rest from memory).
    func put(_ image: TestImage, into writer: OCILayoutWriter, dir: TempDir) throws {
        let layerFile = try dir.write("layer-\(sha256(image.layer).encoded.prefix(8))", image.layer)
        try writer.putBlob(sha256(image.layer), fromFile: layerFile)
        try writer.putBlob(sha256(image.config), data: image.config)
        try writer.putBlob(image.digest, data: image.manifest)
    }

    func siblings(of root: String) throws -> [String] {
        let parent = (root as NSString).deletingLastPathComponent
        let name = (root as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix(name) }.sorted()
    }

    @Test func newLayoutIsStagedAndAppearsOnCommit() async throws {
        try await withTempDir { dir in
            let root = dir.file("layout")
            let image = TestImage(family: .oci, seed: 51)
            let writer = try OCILayoutWriter(root: root)
            try put(image, into: writer, dir: dir)
            #expect(!FileManager.default.fileExists(atPath: root))
            #expect(writer.hasBlob(image.digest))
            #expect(try siblings(of: root).count == 1 && siblings(of: root)[0].hasPrefix("layout.tmp-"))

            try writer.commit(index: image.descriptor, tag: "v1")
            #expect(try siblings(of: root) == ["layout"])
            #expect(FileManager.default.contents(atPath: root + "/oci-layout") == Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            let layout = OCILayout(root: root)
            let entry = try layout.resolve(tag: "v1")
            #expect(entry.digest == image.digest)
            #expect(entry.annotations?[OCILayout.refNameAnnotation] == "v1")
            #expect(try layout.resolve(tag: nil).digest == image.digest)
            // No temp files anywhere in the layout.
            let all = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
            #expect(!all.contains { $0.contains(".tmp-") })

            // skopeo reads what we wrote.
            await #expect(try Skopeo.inspectRaw("oci:\(root):v1") == image.manifest)
        }
    }

    @Test func abandonLeavesNothing() async throws {
        try await withTempDir { dir in
            let root = dir.file("layout")
            let writer = try OCILayoutWriter(root: root)
            try put(TestImage(family: .oci, seed: 52), into: writer, dir: dir)
            writer.abandon()
            #expect(try siblings(of: root).isEmpty)
        }
    }

    @Test func existingLayoutKeepsOtherEntriesAndReplacesSameTag() async throws {
        try await withTempDir { dir in
            let root = dir.file("layout")
            let first = TestImage(family: .oci, seed: 53)
            let second = TestImage(family: .docker, seed: 54)
            let third = TestImage(family: .oci, seed: 55)

            let w1 = try OCILayoutWriter(root: root)
            try put(first, into: w1, dir: dir)
            try w1.commit(index: first.descriptor, tag: "one")

            let w2 = try OCILayoutWriter(root: root)
            try put(second, into: w2, dir: dir)
            try w2.commit(index: second.descriptor, tag: "two")
            let layout = OCILayout(root: root)
            #expect(try layout.resolve(tag: "one").digest == first.digest)
            #expect(try layout.resolve(tag: "two").digest == second.digest)

            // Re-tagging "one" replaces that entry only.
            let w3 = try OCILayoutWriter(root: root)
            try put(third, into: w3, dir: dir)
            try w3.commit(index: third.descriptor, tag: "one")
            #expect(try layout.entries().count == 2)
            #expect(try layout.resolve(tag: "one").digest == third.digest)
            #expect(try layout.resolve(tag: "two").digest == second.digest)
            #expect(try siblings(of: root) == ["layout"])
            // skopeo 1.9 only lists OCI-typed entries of a layout, so check the OCI one.
            await #expect(try Skopeo.inspectRaw("oci:\(root):one") == third.manifest)

            // Ambiguous and unknown references list the available tags.
            #expect(throws: RegistryError.layoutReferenceNotFound(path: root, reference: nil, available: ["one", "two"])) {
                try layout.resolve(tag: nil)
            }
            #expect(throws: RegistryError.layoutReferenceNotFound(path: root, reference: "three", available: ["one", "two"])) {
                try layout.resolve(tag: "three")
            }

            let source = OCILayoutSource(layout: layout)
            #expect(try await source.manifest("two") == FetchedManifest(bytes: second.manifest, mediaType: MediaType.dockerManifest, digest: second.digest))
            #expect(try await source.manifest(third.digest.description).bytes == third.manifest)
            try await source.fetchBlob(sha256(third.layer), to: dir.file("fetched"))
            #expect(FileManager.default.contents(atPath: dir.file("fetched")) == third.layer)
        }
    }

    @Test func corruptBlobsAndForeignDirectoriesAreRejected() async throws {
        try await withTempDir { dir in
            let root = dir.file("layout")
            let image = TestImage(family: .oci, seed: 56)
            let writer = try OCILayoutWriter(root: root)
            // A source file whose content does not match the claimed digest is refused.
            let liar = try dir.write("liar", Data("not the layer".utf8))
            #expect(throws: RegistryError.self) { try writer.putBlob(sha256(image.layer), fromFile: liar) }
            #expect(!writer.hasBlob(sha256(image.layer)))
            try put(image, into: writer, dir: dir)
            try writer.commit(index: image.descriptor, tag: nil)

            let layout = OCILayout(root: root)
            let configPath = layout.blobPath(sha256(image.config))
            #expect(configPath == root + "/blobs/sha256/" + sha256(image.config).encoded)
            // The config was written from memory, not linked, so corrupting it touches nothing else.
            try Data("tampered".utf8).write(to: URL(fileURLWithPath: configPath))
            #expect(throws: RegistryError.digestMismatch(expected: sha256(image.config), actual: sha256(Data("tampered".utf8)), context: configPath)) {
                try layout.readBlob(sha256(image.config), maxSize: 1 << 20)
            }

            let foreign = try dir.write("foreign/file.txt", Data("x".utf8))
            #expect(throws: RegistryError.self) { try OCILayoutWriter(root: (foreign as NSString).deletingLastPathComponent) }
            #expect(throws: RegistryError.notALayout(path: dir.file("foreign"), reason: "the oci-layout file is missing")) {
                try OCILayout(root: dir.file("foreign")).index()
            }
        }
    }
}
