import Foundation
import OCIModel
import Testing
@testable import RegistryClient
import TestSupport

/// Tiny delays so retries cost milliseconds; `Retry-After` still applies in full.
let fastRetry = RetryPolicy(maxAttempts: 5, baseDelay: 0.01, maxDelay: 0.05, maxElapsed: 20)

/// A two-platform image: three raw layers of 1–4 MiB, two configs, two manifests and an index.
struct MultiBlobImage: Sendable {
    var layers: [Data]
    var configs: [Data]
    var manifests: [Data]
    var index: Data

    static let shared = MultiBlobImage()

    private init() {
        layers = [pseudoRandomData(count: 1 << 20, seed: 101),
                  pseudoRandomData(count: 2 << 20 | 4321, seed: 102),
                  pseudoRandomData(count: 4 << 20, seed: 103)]
        configs = ["amd64", "arm64"].map { arch in
            Data(#"{"architecture":"\#(arch)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        }
        let layerDescriptors = { (ls: [Data]) in
            ls.map { #"{"mediaType":"\#(MediaType.ociLayer)","digest":"\#(sha256($0))","size":\#($0.count)}"# }
                .joined(separator: ",")
        }
        manifests = [
            (configs[0], [layers[0], layers[2]]),
            (configs[1], [layers[1], layers[2]]),
        ].map { config, ls in
            Data(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(sha256(config))","size":\#(config.count)},"layers":[\#(layerDescriptors(ls))]}"#.utf8)
        }
        index = indexBytes(manifests.map { Descriptor(mediaType: MediaType.ociManifest, digest: sha256($0), size: Int64($0.count)) },
                           platforms: [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64")])
    }

    /// Pushes everything through `RegistryRepository`: layers from files, configs from memory,
    /// manifests by digest, the index by `tag`.
    @discardableResult
    func push(to destination: RegistryRepository, tag: String, dir: TempDir) async throws -> Digest {
        for (i, layer) in layers.enumerated() where try await !destination.hasBlob(sha256(layer)) {
            let path = try dir.write("layer-\(i)", layer)
            try await destination.putBlob(sha256(layer), size: Int64(layer.count), fromFile: path)
        }
        for config in configs where try await !destination.hasBlob(sha256(config)) {
            try await destination.putBlob(sha256(config), data: config)
        }
        for manifest in manifests {
            _ = try await destination.putManifest(manifest, mediaType: MediaType.ociManifest, reference: sha256(manifest).description)
        }
        return try await destination.putManifest(index, mediaType: MediaType.ociIndex, reference: tag)
    }

    /// Checks the registry itself (not through any proxy): skopeo reads the index by tag and each
    /// manifest by digest with the exact bytes, and every blob downloads and hashes to its digest.
    func verify(registry: TestRegistry, repository: String, tag: String) async throws {
        let rawIndex = try await Skopeo.inspectRaw("docker://\(registry.host)/\(repository):\(tag)")
        #expect(rawIndex == index)
        for manifest in manifests {
            let raw = try await Skopeo.inspectRaw("docker://\(registry.host)/\(repository)@\(sha256(manifest))")
            #expect(sha256(raw) == sha256(manifest))
        }
        let direct = RegistryClient(host: registry.host)
        do {
            for blob in layers + configs {
                // blobData verifies the digest of what it reads.
                let fetched = try await direct.blobData(repository: repository, digest: sha256(blob), maxSize: 8 << 20)
                #expect(fetched.count == blob.count)
            }
        } catch {
            try? await direct.shutdown()
            throw error
        }
        try await direct.shutdown()
    }
}

/// A registry, a fault proxy in front of it and a client talking to the proxy; all stopped after.
func withProxiedClient<T>(rules: [FaultProxy.Rule] = [], policy: RetryPolicy = fastRetry, timeout: Double = 30,
                          tokenRealm: String? = nil, credential: Credential? = nil,
                          _ body: (RegistryClient, FaultProxy, TestRegistry) async throws -> T) async throws -> T {
    try await withTestRegistry(tokenRealm: tokenRealm) { registry in
        try await withFaultProxy(in: registry, rules: rules) { proxy in
            var options = RegistryOptions(timeout: timeout, retry: policy)
            if let credential { options.credentials[proxy.host] = credential }
            let client = RegistryClient(host: proxy.host, options: options)
            do {
                let result = try await body(client, proxy, registry)
                try await client.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }
}

/// Seconds between two instants.
func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
    let d = to - from
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
