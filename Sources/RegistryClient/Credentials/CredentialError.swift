/// Why credentials could not be read. Messages name files, keys, helpers and hosts — never a
/// username's secret, a token, or a helper's output (which may hold one).
public enum CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file exists but cannot be read.
    case unreadableConfig(path: String, reason: String)
    /// The config file is not the JSON docker writes.
    case malformedConfig(path: String, reason: String)
    /// An `auths` entry cannot be decoded into a username and password.
    case malformedAuth(key: String, reason: String)
    /// `docker-credential-<helper>` is not an executable on `PATH`.
    case helperNotFound(helper: String, searched: String)
    /// The helper name would not make a plain program name.
    case invalidHelperName(String)
    /// The helper ran but failed for a reason other than "credentials not found".
    case helperFailed(helper: String, server: String, status: Int32)
    /// The helper did not finish in time (it may be waiting for a password prompt).
    case helperTimedOut(helper: String, server: String, seconds: Double)
    /// The helper exited 0 but did not print `{"Username":…,"Secret":…}`.
    case helperInvalidOutput(helper: String, server: String)
    /// Only one of the username/password environment variables is set.
    case incompleteEnvironment(present: String, missing: String)

    public var description: String {
        switch self {
        case let .unreadableConfig(path, reason):
            return "cannot read the registry credentials file \(path): \(reason); fix the --authfile path (or DOCKER_CONFIG / REGISTRY_AUTH_FILE)"
        case let .malformedConfig(path, reason):
            return "the registry credentials file \(path) is malformed (\(reason)); fix it or point DOCKER_CONFIG / --authfile elsewhere"
        case let .malformedAuth(key, reason):
            return "the credentials for \"\(key)\" in the docker config are unusable: \(reason); run docker login \(DockerConfig.hostname(key)) again"
        case let .helperNotFound(helper, searched):
            return "credential helper docker-credential-\(helper) is configured but not installed (searched PATH: \(searched)); install it or remove it from credHelpers/credsStore in the docker config"
        case let .invalidHelperName(name):
            return "credential helper name \"\(name)\" in the docker config is not a plain name (docker-credential-NAME); fix credHelpers/credsStore in the docker config"
        case let .helperFailed(helper, server, status):
            return "credential helper docker-credential-\(helper) failed for \(server) (exit status \(status)); run `echo \(server) | docker-credential-\(helper) get` to see its message"
        case let .helperTimedOut(helper, server, seconds):
            return "credential helper docker-credential-\(helper) did not answer for \(server) within \(Int(seconds)) s; it may be waiting for an unlock prompt: unlock it and retry"
        case let .helperInvalidOutput(helper, server):
            return "credential helper docker-credential-\(helper) printed no usable credentials for \(server) (expected JSON with Username and Secret)"
        case let .incompleteEnvironment(present, missing):
            return "\(present) is set but \(missing) is not; set both or neither"
        }
    }
}
