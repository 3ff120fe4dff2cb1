import ArgumentParser
import Foundation
import ImageBuild
import ImageCheck
import RegistryClient

extension Isolation: ExpressibleByArgument {}

/// Fetching an image for `compat` and `inspect`: parses the location, builds registry options and
/// always shuts the clients down.
enum ImageFetch {
    static func inspect(_ text: String, registry: RegistryFlags) async throws -> Inspection {
        let location = try ImageLocation(parsing: text)
        let options = try registry.options(destinations: [location])
        let pool = RegistryPool(options: options)
        do {
            let (inspector, reference) = try await ImageInspector.open(location, pool: pool)
            let result = try await inspector.inspect(reference, display: text)
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    static func fail(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("winimg: error: \(error)\n".utf8))
        return ExitCode(1)
    }
}
