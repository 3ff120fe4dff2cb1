import Foundation

/// Where registry credentials come from: explicit ones (CLI flags, CI environment variables), then
/// the docker config's `credHelpers`, `credsStore` and `auths`, in that order.
///
/// The config file is read once, at `init`; credential helpers run on first use per host and their
/// answer is kept for the life of the store (copies share it), so a run asks each helper once.
/// A helper that answers "credentials not found" lets the lookup continue with the next source.
public struct CredentialStore: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// CI variable for the username used on the hosts passed as `environmentCredentialHosts`.
    public static let usernameVariable = "WINIMG_REGISTRY_USERNAME"
    /// CI variable for the matching password or access token.
    public static let passwordVariable = "WINIMG_REGISTRY_PASSWORD"
    /// Docker Hub's key in config files and the server URL its helpers are asked for.
    public static let dockerHubKey = "https://index.docker.io/v1/"

    /// The config file in use (it may not exist), or nil when no location could be determined.
    public let configPath: String?
    /// Seconds a credential helper may take before it is killed.
    public var helperTimeout: Double = 60

    let config: DockerConfig
    let environment: [String: String]
    var explicit: [String: Credential]
    private let cache = CredentialCache()

    /// Reads the docker config.
    ///
    /// - Parameters:
    ///   - environment: supplies `DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, `HOME`, the CI variables,
    ///     and `PATH` (plus the rest) for credential helpers. Tests pass their own.
    ///   - configPath: an explicit file (`--authfile`); it must exist. Otherwise the first of
    ///     `$REGISTRY_AUTH_FILE`, `$DOCKER_CONFIG/config.json`, `$HOME/.docker/config.json` is used,
    ///     and a missing file means no stored credentials.
    ///   - explicit: credentials by registry host (e.g. from `--username`/`--password-stdin`); they
    ///     win over everything else.
    ///   - environmentCredentialHosts: hosts (typically the push destinations) that get the
    ///     credential in `WINIMG_REGISTRY_USERNAME`/`WINIMG_REGISTRY_PASSWORD`, unless `explicit`
    ///     already has one for them.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, configPath: String? = nil,
                explicit: [String: Credential] = [:], environmentCredentialHosts: [String] = []) throws(CredentialError) {
        self.environment = environment
        self.explicit = explicit
        if let credential = try Self.environmentCredential(environment) {
            for host in environmentCredentialHosts where Self.lookupExplicit(explicit, host: host) == nil {
                self.explicit[host] = credential
            }
        }
        let path = configPath ?? Self.defaultConfigPath(environment)
        self.configPath = path
        guard let path else { config = DockerConfig(); return }
        guard FileManager.default.fileExists(atPath: path) else {
            if configPath != nil { throw .unreadableConfig(path: path, reason: "no such file") }
            config = DockerConfig()
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableConfig(path: path, reason: "permission denied or not a regular file")
        }
        config = try DockerConfig(data: data, path: path)
    }

    /// The same store with `credential` set explicitly for `hosts` (overriding earlier ones).
    public func adding(_ credential: Credential, for hosts: some Sequence<String>) -> CredentialStore {
        var copy = self
        for host in hosts { copy.explicit[host] = credential }
        return copy
    }

    /// The CI credential from `WINIMG_REGISTRY_USERNAME`/`WINIMG_REGISTRY_PASSWORD`; nil when
    /// neither is set, an error when only one is.
    public static func environmentCredential(_ environment: [String: String]) throws(CredentialError) -> Credential? {
        let username = environment[usernameVariable].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment[passwordVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (username, password) {
        case let (u?, p?): return .basic(username: u, password: p)
        case (nil, nil): return nil
        case (_?, nil): throw .incompleteEnvironment(present: usernameVariable, missing: passwordVariable)
        case (nil, _?): throw .incompleteEnvironment(present: passwordVariable, missing: usernameVariable)
        }
    }

    /// The config file docker/podman would use with this environment.
    static func defaultConfigPath(_ environment: [String: String]) -> String? {
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { return file }
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.docker/config.json" }
        return nil
    }

    /// Config keys naming `host`, most specific first. Docker Hub goes by several names and is
    /// stored under its legacy v1 URL.
    static func lookupKeys(for host: String) -> [String] {
        let host = host.lowercased()
        if ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host) {
            return [dockerHubKey, "docker.io", "index.docker.io", "registry-1.docker.io"]
        }
        return [host]
    }

    private static func lookupExplicit(_ explicit: [String: Credential], host: String) -> Credential? {
        DockerConfig.lookup(explicit, keys: lookupKeys(for: host))?.entry
    }

    /// The credential for a registry host (`host[:port]`, e.g. `registry-1.docker.io`), or nil to
    /// go anonymous.
    ///
    /// - Throws: `CredentialError` for malformed config entries and failing helpers.
    public func credential(for host: String) async throws -> Credential? {
        if let credential = Self.lookupExplicit(explicit, host: host) { return credential }
        let config = config, environment = environment, timeout = helperTimeout
        return try await cache.value(for: host.lowercased()) {
            try await Self.lookupConfigured(host: host, config: config, environment: environment, timeout: timeout)
        }
    }

    /// `credHelpers` → `credsStore` → `auths`.
    private static func lookupConfigured(host: String, config: DockerConfig, environment: [String: String],
                                         timeout: Double) async throws(CredentialError) -> Credential? {
        let keys = lookupKeys(for: host)
        // Helpers are asked with the key docker would use: the v1 URL for Docker Hub, else the host.
        let serverURL = keys[0]
        if let name = config.helper(forKeys: keys) {
            let helper = try CredentialHelper(name: name, environment: environment)
            if let credential = try await helper.get(serverURL: serverURL, environment: environment, timeout: timeout) {
                return credential
            }
        }
        if let name = config.credsStore {
            let helper = try CredentialHelper(name: name, environment: environment)
            if let credential = try await helper.get(serverURL: serverURL, environment: environment, timeout: timeout) {
                return credential
            }
        }
        if let (key, entry) = config.authEntry(forKeys: keys) {
            return try entry.credential(key: key)
        }
        return nil
    }

    public var description: String {
        let hosts = explicit.keys.sorted()
        return "CredentialStore(config: \(configPath ?? "none"), explicit hosts: [\(hosts.joined(separator: ", "))])"
    }

    public var debugDescription: String { description }

    /// Reflection (`dump`, debuggers) shows no credential.
    public var customMirror: Mirror {
        Mirror(self, children: ["configPath": configPath as Any, "explicitHosts": explicit.keys.sorted()])
    }
}

/// One lookup per host for the life of a store: concurrent callers share the running lookup, and
/// later callers its result or error (asking a failing helper again would fail again).
private actor CredentialCache {
    private var entries: [String: Task<Credential?, Error>] = [:]

    func value(for key: String, _ lookup: @escaping @Sendable () async throws -> Credential?) async throws -> Credential? {
        if let task = entries[key] { return try await task.value }
        let task = Task { try await lookup() }
        entries[key] = task
        return try await task.value
    }
}
