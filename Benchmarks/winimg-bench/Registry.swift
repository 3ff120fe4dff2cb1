import Foundation
import TestSupport

/// The registry under measurement: Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1,
/// fresh and empty for every run, with a `CountingProxy` in front. Contenders talk to `host` (the
/// proxy); seeding goes to `directHost`, so it is never counted.
struct BenchRegistry {
    let registry: TestRegistry
    let proxy: CountingProxy

    var host: String { proxy.host }
    var directHost: String { registry.host }

    static func start() async throws -> BenchRegistry {
        let registry = try await TestRegistry.start()
        do {
            return BenchRegistry(registry: registry, proxy: try CountingProxy(upstreamPort: registry.port))
        } catch {
            await registry.stop()
            throw error
        }
    }

    func stop() async {
        proxy.stop()
        await registry.stop()
    }

    /// Copies an image from an OCI layout into the registry, bypassing the proxy.
    func seed(layout: String, tag: String, to repository: String) async {
        await check(Measure.shell("skopeo copy --quiet --preserve-digests --dest-tls-verify=false 'oci:\(layout):\(tag)' "
                          + "'docker://\(directHost)/\(repository)'", exitOnFailure: false).status == 0, "seeding \(repository) failed")
    }

    /// Stops the registry and exits the benchmark unless `ok`: a number from a failed run is meaningless.
    func check(_ ok: Bool, _ message: @autoclosure () -> String) async {
        guard !ok else { return }
        await stop()
        fatal(message())
    }

    /// The raw manifest or index at `reference` (`repo:tag`), read past the proxy.
    func manifest(_ reference: String) -> [String: Any]? {
        let r = Measure.shell("skopeo inspect --raw --tls-verify=false 'docker://\(directHost)/\(reference)'", exitOnFailure: false)
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    }
}
