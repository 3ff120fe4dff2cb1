import ArgumentParser
import Foundation
import ImageBuild
import Logging
import RegistryClient

/// Flags that decide how registries are reached: credentials, TLS, upload mode.
struct RegistryFlags: ParsableArguments {
    @Option(name: .customLong("insecure-registry"), help: "Registry host[:port] that may be used over plain HTTP. Repeatable.")
    var insecureRegistries: [String] = []

    @Option(help: "Username for the destination registries (with --password-stdin). CI may set WINIMG_REGISTRY_USERNAME/WINIMG_REGISTRY_PASSWORD instead.")
    var username: String?

    @Flag(help: "Read the password or token for --username from standard input.")
    var passwordStdin = false

    @Option(help: "Docker-style auth file to read instead of $DOCKER_CONFIG/config.json or ~/.docker/config.json.")
    var authfile: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of extra CA certificates to trust for registry HTTPS (private or self-signed CAs).")
    var caFile: String?

    @Option(name: .customLong("log-level"), help: "Registry request log on stderr: debug (requests and statuses) or trace (plus headers; secrets are always redacted).")
    var logLevel: LogLevel?

    @Option(name: .customLong("chunk-size"), help: "Upload blobs in chunks of this many bytes (e.g. 8388608, 8MiB); default: one streamed request, chunks only after a registry refuses it (413).")
    var chunkSize: String?

    /// Options for the registry clients; credentials from flags and the CI variables apply to the
    /// destination hosts only, so they are never offered to a base image's registry.
    func options(destinations: [ImageLocation], readPassword: () -> String? = { readLine(strippingNewline: true) }) throws -> RegistryOptions {
        let hosts = destinations.compactMap { d -> String? in
            if case let .registry(ref) = d { return ref.apiHost }
            return nil
        }
        var store = try CredentialStore(configPath: authfile, environmentCredentialHosts: hosts)
        switch (username, passwordStdin) {
        case let (user?, true):
            guard let password = readPassword(), !password.isEmpty else {
                throw BuildError.invalidFlag("--password-stdin", "", hint: "standard input was empty; pipe the password or token in, e.g. echo \"$TOKEN\" | winimg build … --username USER --password-stdin")
            }
            store = store.adding(.basic(username: user, password: password), for: hosts)
        case (nil, true):
            throw BuildError.invalidFlag("--password-stdin", "", hint: "also give --username")
        case (_?, false):
            throw BuildError.invalidFlag("--username", username ?? "", hint: "also give --password-stdin and pipe the password in (passwords are never taken as arguments)")
        case (nil, false):
            break
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw BuildError.invalidFlag("--ca-file", caFile, hint: "the file does not exist or cannot be read; give a PEM file of CA certificates")
        }
        var logger: Logger?
        if let logLevel {
            var l = Logger(label: "winimg.registry") { StreamLogHandler.standardError(label: $0) }
            l.logLevel = logLevel.level
            logger = l
        }
        return RegistryOptions(insecureHosts: Set(insecureRegistries), chunkSize: try chunkSize.map(Self.parseSize), credentialStore: store, caFile: caFile, logger: logger)
    }

    /// `8388608`, `8MiB`, `512KiB`, `4MB`.
    static func parseSize(_ text: String) throws -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1000), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let n = Int(text.dropLast(suffix.count)), n > 0 { return n * factor }
        }
        if let n = Int(text), n > 0 { return n }
        throw BuildError.invalidFlag("--chunk-size", text, hint: "give a positive size such as 8388608 or 8MiB")
    }
}

enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, debug, trace

    var level: Logger.Level {
        switch self {
        case .error: return .error
        case .warning: return .warning
        case .info: return .info
        case .debug: return .debug
        case .trace: return .trace
        }
    }
}
