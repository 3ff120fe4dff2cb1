import Foundation

/// Hosts and URLs: which hosts may use plain HTTP or get credentials, and URL handling that never
/// exposes query strings (upload state, signed storage URLs) in messages.
extension RegistryClient {
    /// Plain HTTP is allowed for configured insecure hosts and loopback addresses.
    nonisolated func isPlainHTTPAllowed(_ authority: String) -> Bool {
        options.insecureHosts.contains(authority) || Self.isLoopback(authority)
    }

    /// `localhost`, `127.0.0.0/8` or `[::1]`, with or without a port.
    static func isLoopback(_ authority: String) -> Bool {
        var hostPart = authority.lowercased()
        if hostPart.hasPrefix("[") {
            hostPart = String(hostPart.dropFirst().prefix { $0 != "]" })
            return hostPart == "::1"
        }
        if let colon = hostPart.lastIndex(of: ":") { hostPart = String(hostPart[..<colon]) }
        if hostPart == "localhost" { return true }
        let octets = hostPart.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// True when `url` has the registry's scheme, host and port: only then is Authorization sent.
    func isRegistryOrigin(_ url: String) -> Bool {
        guard let baseURL, let a = URLComponents(string: baseURL), let b = URLComponents(string: url) else { return false }
        return a.scheme?.lowercased() == b.scheme?.lowercased()
            && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }

    /// Resolves a `Location` (absolute, or relative to the request URL), keeping its query.
    /// Nil unless the result is an http(s) URL with a host: a registry must not steer us to
    /// `file:`, `ftp:` or other schemes.
    static func resolve(_ location: String, against url: String) -> String? {
        guard let base = URL(string: url), let resolved = URL(string: location, relativeTo: base),
              let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = resolved.host, !host.isEmpty else { return nil }
        return resolved.absoluteString
    }

    /// Host and path of a URL for messages: never the query (it may carry signatures or state).
    static func display(_ url: String) -> (host: String, path: String) {
        guard let c = URLComponents(string: url) else { return ("", "") }
        var authority = c.host ?? ""
        if authority.contains(":") { authority = "[\(authority)]" }
        if let port = c.port { authority += ":\(port)" }
        return (authority, c.percentEncodedPath)
    }

    /// Percent-encodes a query value: only RFC 3986 unreserved characters stay literal.
    static func queryValue(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Appends `name=value` to a URL that may already have a query (upload locations carry `_state`).
    static func appendingQuery(_ url: String, _ name: String, _ value: String) -> String {
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + name + "=" + queryValue(value)
    }
}
