import AsyncHTTPClient
import Logging
import NIOHTTP1

/// Request logging for `--log-level debug|trace`.
///
/// What is logged is chosen so no secret can appear: URLs without their query (upload `_state`,
/// signed storage URLs), and header values only from an allow-list — `Authorization` shows its
/// scheme and nothing else. Token requests are logged by the token exchange the same way.
extension RegistryClient {
    /// Headers whose values are safe to show at trace level.
    static let loggableHeaders: Set<String> = [
        "content-type", "content-length", "content-range", "range", "accept", "docker-content-digest",
        "docker-distribution-api-version", "oci-chunk-min-length", "www-authenticate", "retry-after",
        "docker-upload-uuid", "user-agent", "link",
    ]

    /// `name: value` for trace logs; unknown headers show only their name, Authorization its scheme.
    static func loggable(_ headers: HTTPHeaders) -> String {
        headers.map { name, value in
            let lower = name.lowercased()
            if lower == "authorization" {
                return "\(name): \(value.split(separator: " ").first.map(String.init) ?? "?") <redacted>"
            }
            if lower == "location" { return "\(name): \(display(value).host)\(display(value).path)" }
            return loggableHeaders.contains(lower) ? "\(name): \(value)" : "\(name): <\(value.utf8.count) bytes>"
        }.joined(separator: ", ")
    }

    func logRequest(_ request: HTTPClientRequest, url: String, attempt: Int) {
        guard let logger = options.logger, logger.logLevel <= .debug else { return }
        let (h, path) = Self.display(url)
        let retry = attempt > 1 ? " (attempt \(attempt))" : ""
        logger.debug("→ \(request.method.rawValue) \(h)\(path)\(retry)")
        logger.trace("  request headers: \(Self.loggable(request.headers))")
    }

    func logResponse(_ response: HTTPClientResponse, request: HTTPClientRequest, url: String) {
        guard let logger = options.logger, logger.logLevel <= .debug else { return }
        let (h, path) = Self.display(url)
        logger.debug("← \(response.status.code) \(request.method.rawValue) \(h)\(path)")
        logger.trace("  response headers: \(Self.loggable(response.headers))")
    }
}
