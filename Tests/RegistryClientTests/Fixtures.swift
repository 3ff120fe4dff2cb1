import Foundation
import LayerBuilder
import OCIModel
@testable import RegistryClient
import TestSupport

/// Deterministic pseudo-random bytes (xorshift), so failures are reproducible.
func pseudoRandomData(count: Int, seed: UInt64) -> Data {
    var state = seed | 1
    var data = Data(count: count)
    data.withUnsafeMutableBytes { raw in
        let bytes = raw.bindMemory(to: UInt8.self)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            bytes[i] = UInt8(truncatingIfNeeded: state)
        }
    }
    return data
}

func sha256(_ data: Data) -> Digest { SHA256Digest.of(data) }

/// A minimal single-image manifest with one config and one layer, as exact bytes.
struct TestImage {
    var config: Data
    var layer: Data
    var manifest: Data
    var mediaType: String
    var digest: Digest { sha256(manifest) }

    init(family: MediaType.Family, seed: UInt64 = 1, layerSize: Int = 1024) {
        // Real gzip framing: skopeo sniffs the magic and would otherwise compress the layer itself.
        layer = gzipStored(pseudoRandomData(count: layerSize, seed: seed))
        config = Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(sha256(layer))"]}}"#.utf8)
        mediaType = family.manifest
        manifest = Data("""
        {"schemaVersion":2,"mediaType":"\(family.manifest)","config":{"mediaType":"\(family.config)","digest":"\(sha256(config))","size":\(config.count)},"layers":[{"mediaType":"\(family.gzipLayer)","digest":"\(sha256(layer))","size":\(layer.count)}]}
        """.utf8)
    }

    var descriptor: Descriptor { Descriptor(mediaType: mediaType, digest: digest, size: Int64(manifest.count)) }

    /// Uploads the blobs and then the manifest under `tag`.
    @discardableResult
    func push(to client: RegistryClient, repository: String, tag: String) async throws -> Digest {
        try await client.uploadBlob(repository: repository, digest: sha256(config), data: config)
        try await client.uploadBlob(repository: repository, digest: sha256(layer), data: layer)
        return try await client.putManifest(repository: repository, reference: tag, bytes: manifest, mediaType: mediaType)
    }
}

/// An OCI index over the given manifests, as exact bytes.
func indexBytes(_ children: [Descriptor], platforms: [Platform]) -> Data {
    let entries = zip(children, platforms).map { child, platform in
        #"{"mediaType":"\#(child.mediaType)","digest":"\#(child.digest)","size":\#(child.size),"platform":{"architecture":"\#(platform.architecture)","os":"\#(platform.os)"}}"#
    }
    return Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(entries.joined(separator: ","))]}"#.utf8)
}

/// Runs `body` with a client for a fresh test registry; both are shut down afterwards.
func withRegistryClient<T>(users: [String: String] = [:], credential: Credential? = nil,
                           _ body: (RegistryClient, TestRegistry) async throws -> T) async throws -> T {
    try await withTestRegistry(users: users) { registry in
        var options = RegistryOptions()
        if let credential { options.credentials[registry.host] = credential }
        let client = RegistryClient(host: registry.host, options: options)
        do {
            let result = try await body(client, registry)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// CRC-32 (IEEE), as gzip's trailer needs.
func crc32(_ data: Data) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[i] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

/// A valid gzip member holding `data` in stored (uncompressed) deflate blocks.
func gzipStored(_ data: Data) -> Data {
    var out = Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])
    var offset = 0
    repeat {
        let n = min(65535, data.count - offset)
        let final: UInt8 = offset + n == data.count ? 1 : 0
        out.append(final)
        out.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)])
        out.append(data[data.startIndex + offset ..< data.startIndex + offset + n])
        offset += n
    } while offset < data.count
    for value in [crc32(data), UInt32(truncatingIfNeeded: data.count)] {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
    return out
}
