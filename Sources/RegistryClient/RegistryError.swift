import Foundation
import OCIModel

/// One entry of a distribution-spec error body, `{"errors":[{"code":…,"message":…,"detail":…}]}`.
public struct RegistryErrorDetail: Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable code, e.g. `MANIFEST_BLOB_UNKNOWN`.
    public var code: String
    public var message: String?
    /// `detail` re-serialised as compact JSON (it may be any JSON value).
    public var detail: String?

    public init(code: String, message: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String {
        var s = code
        if let message, !message.isEmpty { s += ": \(message)" }
        if let detail, !detail.isEmpty, detail != "null" { s += " (\(detail))" }
        return s
    }

    /// Parses an error body; empty when the body is not the spec's JSON (registry 2.8 answers unknown
    /// routes with plain text, HEAD responses have no body at all).
    static func parse(_ body: Data) -> [RegistryErrorDetail] {
        guard !body.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return [] }
        return errors.compactMap { entry in
            guard let code = entry["code"] as? String else { return nil }
            var detail: String?
            if let d = entry["detail"], !(d is NSNull) {
                if JSONSerialization.isValidJSONObject(d),
                   let data = try? JSONSerialization.data(withJSONObject: d, options: [.sortedKeys, .withoutEscapingSlashes]) {
                    detail = String(decoding: data, as: UTF8.self)
                } else {
                    detail = "\(d)"
                }
            }
            return RegistryErrorDetail(code: code, message: entry["message"] as? String, detail: detail)
        }
    }
}

/// Errors from registry and image-layout operations.
///
/// Descriptions name the method, the URL path (never the query, which may hold signed storage
/// parameters) and the registry's own error codes. Credentials and tokens never appear in them.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The registry answered with an unexpected status. `attempts` > 1 when the request was
    /// retried (transient status) until the retry policy gave up.
    case http(status: Int, method: String, host: String, path: String, errors: [RegistryErrorDetail], body: String?,
              attempts: Int = 1)
    /// Still 401/403 after authenticating, or no usable credentials.
    case unauthorized(status: Int, method: String, host: String, path: String, reason: String, errors: [RegistryErrorDetail])
    /// The token service (realm) refused or answered nonsense.
    case tokenRequestFailed(realm: String, status: Int?, reason: String)
    /// The request never got an HTTP answer (DNS, refused connection, TLS, timeout). `reason`
    /// ends with the number of attempts when it was retried.
    case connectionFailed(method: String, host: String, path: String, reason: String)
    /// The server's TLS certificate did not verify against the system trust store (plus
    /// `RegistryOptions.caFile`). Never retried, and never a reason to fall back to plain HTTP.
    case untrustedCertificate(host: String, reason: String)
    /// The response broke the protocol (missing Location, bad header, wrong media type…).
    case invalidResponse(method: String, host: String, path: String, reason: String)
    /// Content did not hash to the digest it was requested or announced by.
    case digestMismatch(expected: Digest, actual: Digest, context: String)
    /// Content length differed from what was expected.
    case sizeMismatch(expected: Int64, actual: Int64, context: String)
    /// Content exceeded a limit we impose (manifests 4 MiB, configs as requested).
    case tooLarge(limit: Int64, context: String)
    /// A digest algorithm we cannot compute, so cannot verify.
    case unsupportedDigest(Digest)
    /// The host name is not usable (empty, contains a scheme or path).
    case invalidHost(String, reason: String)
    /// Local file-system problem.
    case io(path: String, reason: String)
    /// A directory is not an OCI image layout, or its index is malformed.
    case notALayout(path: String, reason: String)
    /// No index.json entry matched; `available` lists the tags that exist.
    case layoutReferenceNotFound(path: String, reference: String?, available: [String])

    /// The registry error codes carried by the response, if any (e.g. `["MANIFEST_BLOB_UNKNOWN"]`).
    public var registryCodes: [String] {
        switch self {
        case let .http(_, _, _, _, errors, _, _), let .unauthorized(_, _, _, _, _, errors): return errors.map(\.code)
        default: return []
        }
    }

    /// The HTTP status, when there was one.
    public var status: Int? {
        switch self {
        case let .http(status, _, _, _, _, _, _), let .unauthorized(status, _, _, _, _, _): return status
        case let .tokenRequestFailed(_, status, _): return status
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .http(status, method, host, path, errors, body, attempts):
            var s = "\(method) \(host)\(path) failed: HTTP \(status)"
            if !errors.isEmpty {
                s += ": " + errors.map(\.description).joined(separator: "; ")
            } else if let body, !body.isEmpty {
                s += ": \(body)"
            }
            if attempts > 1 { s += " (gave up after \(attempts) attempts)" }
            return s
        case let .unauthorized(status, method, host, path, reason, errors):
            var s = "\(method) \(host)\(path): HTTP \(status) — \(reason)"
            if !errors.isEmpty { s += " [" + errors.map(\.description).joined(separator: "; ") + "]" }
            return s
        case let .tokenRequestFailed(realm, status, reason):
            return "token request to \(realm) failed" + (status.map { ": HTTP \($0)" } ?? "") + " — \(reason)"
        case let .connectionFailed(method, host, path, reason):
            return "\(method) \(host)\(path): cannot reach registry — \(reason); check the registry host and port, and that it is running and reachable from here"
        case let .untrustedCertificate(host, reason):
            return "the TLS certificate of \(host) is not trusted (\(reason)). If the registry uses a private or "
                + "self-signed CA, pass that CA's PEM certificate with --ca-file (RegistryOptions.caFile); "
                + "--insecure-registry only allows plain HTTP, it never turns off certificate checks"
        case let .invalidResponse(method, host, path, reason):
            return "\(method) \(host)\(path): invalid response — \(reason)"
        case let .digestMismatch(expected, actual, context):
            return "digest mismatch for \(context): expected \(expected), content hashes to \(actual); the copy is corrupt or was changed after publishing — fetch it again or use another copy"
        case let .sizeMismatch(expected, actual, context):
            return "size mismatch for \(context): expected \(expected) bytes, got \(actual); the descriptor and the content disagree — re-copy or rebuild the image"
        case let .tooLarge(limit, context):
            let mib = limit % (1 << 20) == 0 ? " (\(limit >> 20) MiB)" : ""
            return "\(context) is larger than the limit of \(limit) bytes\(mib); an image this large is almost certainly malformed — check that the reference names the image you mean, or use another copy of it"
        case let .unsupportedDigest(d):
            return "cannot verify digest \(d): only sha256 is supported"
        case let .invalidHost(host, reason):
            return "invalid registry host '\(host)': \(reason)"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .notALayout(path, reason):
            return "\(path) is not an OCI image layout: \(reason)"
        case let .layoutReferenceNotFound(path, reference, available):
            let tags = available.isEmpty ? "it has no tagged entries" : "available tags: " + available.joined(separator: ", ")
            if let reference {
                return "OCI layout \(path) has no image '\(reference)'; \(tags)"
            }
            return "OCI layout \(path) does not hold exactly one image; name one with :TAG — \(tags)"
        }
    }
}
