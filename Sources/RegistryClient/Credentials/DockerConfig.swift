import Foundation

/// The credential parts of a docker `config.json` (also podman/skopeo's `auth.json`, same format).
///
/// Only what authentication needs is read; unknown keys are ignored so configs written by newer
/// tools still load.
struct DockerConfig: Sendable, Equatable {
    /// One `auths` entry, as docker writes it.
    struct AuthEntry: Sendable, Equatable, Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
        var registrytoken: String?
    }

    var auths: [String: AuthEntry] = [:]
    /// `credsStore`: the helper for every registry without its own `credHelpers` entry.
    var credsStore: String?
    /// `credHelpers`: registry key → helper name (`docker-credential-<name>`).
    var credHelpers: [String: String] = [:]

    private struct File: Decodable {
        var auths: [String: AuthEntry]?
        var credsStore: String?
        var credHelpers: [String: String]?
    }

    init(auths: [String: AuthEntry] = [:], credsStore: String? = nil, credHelpers: [String: String] = [:]) {
        self.auths = auths
        self.credsStore = credsStore
        self.credHelpers = credHelpers
    }

    /// Parses the JSON text of a config file; `path` only names it in errors.
    init(data: Data, path: String) throws(CredentialError) {
        // An empty file is what `touch config.json` leaves; docker treats it as no configuration.
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            // The decoder's message may quote a value (a password); name only the location.
            throw .malformedConfig(path: path, reason: Self.location(of: error))
        }
        auths = file.auths ?? [:]
        credsStore = file.credsStore.flatMap { $0.isEmpty ? nil : $0 }
        credHelpers = file.credHelpers ?? [:]
    }

    /// Where decoding failed, as a JSON key path, without any value from the file.
    private static func location(of error: Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        let path: [CodingKey]
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context),
             let .keyNotFound(_, context), let .dataCorrupted(context):
            path = context.codingPath
        @unknown default:
            path = []
        }
        if path.isEmpty { return "not a JSON object" }
        return "unexpected value at " + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// The `auths` entry for a registry: exact key first, then any key with the same host name.
    func authEntry(forKeys keys: [String]) -> (key: String, entry: AuthEntry)? {
        Self.lookup(auths, keys: keys)
    }

    /// The `credHelpers` helper for a registry, matched like `auths`.
    func helper(forKeys keys: [String]) -> String? {
        Self.lookup(credHelpers, keys: keys).map(\.entry).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Exact keys win over host-name matches so `https://r.test/v1/` and `r.test` can differ; among
    /// host-name matches the sorted-first key wins, so the choice does not depend on dictionary order.
    static func lookup<V>(_ map: [String: V], keys: [String]) -> (key: String, entry: V)? {
        for key in keys { if let value = map[key] { return (key, value) } }
        let wanted = Set(keys.map(hostname))
        for key in map.keys.sorted() where wanted.contains(hostname(key)) { return (key, map[key]!) }
        return nil
    }

    /// docker's `ConvertToHostname`: drops `http(s)://` and everything from the first `/`, lowercased
    /// (host names are case-insensitive).
    static func hostname(_ key: String) -> String {
        var s = Substring(key.trimmingCharacters(in: .whitespaces))
        for scheme in ["https://", "http://"] where s.lowercased().hasPrefix(scheme) {
            s = s.dropFirst(scheme.count)
        }
        return String(s.prefix { $0 != "/" }).lowercased()
    }
}

extension DockerConfig.AuthEntry {
    /// The credential this entry holds, or nil when it holds none (docker writes `{}` for registries
    /// whose secret lives in `credsStore`).
    ///
    /// `registrytoken` beats `identitytoken` beats username/password, as in docker's `AuthConfig`
    /// use: a ready registry token needs no exchange at all.
    func credential(key: String) throws(CredentialError) -> Credential? {
        if let token = registrytoken, !token.isEmpty { return .bearer(token: token) }
        if let token = identitytoken, !token.isEmpty { return .identityToken(token) }
        var username = username ?? ""
        var password = password ?? ""
        if let auth, !auth.isEmpty {
            // Docker accepts the encoding with or without padding and with surrounding blanks.
            var text = auth.trimmingCharacters(in: .whitespacesAndNewlines)
            while text.count % 4 != 0 { text += "=" }
            guard let data = Data(base64Encoded: text) else {
                throw .malformedAuth(key: key, reason: "the \"auth\" value is not base64")
            }
            let decoded = String(decoding: data, as: UTF8.self)
            // Split at the first ':' — passwords and tokens may contain colons, usernames cannot.
            guard let colon = decoded.firstIndex(of: ":") else {
                throw .malformedAuth(key: key, reason: "the decoded \"auth\" value has no ':' between username and password")
            }
            username = String(decoded[..<colon])
            password = String(decoded[decoded.index(after: colon)...])
            // Some tools wrote C strings into the field; docker trims the trailing NULs.
            while password.hasSuffix("\0") { password.removeLast() }
            guard !username.isEmpty else {
                throw .malformedAuth(key: key, reason: "the decoded \"auth\" value has an empty username")
            }
        }
        if username.isEmpty && password.isEmpty { return nil }
        guard !username.isEmpty else {
            throw .malformedAuth(key: key, reason: "a password is set but the username is empty")
        }
        return .basic(username: username, password: password)
    }
}
