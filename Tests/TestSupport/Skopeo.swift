import Foundation

/// Thin wrapper over the `skopeo` CLI, an independent implementation to check our output against.
public enum Skopeo {
    public static let path = "/usr/bin/skopeo"

    /// Runs skopeo with `args`.
    public static func run(_ args: [String], timeout: Double = 120) async throws -> ProcessResult {
        try await TestSupport.run(path, args, timeout: timeout)
    }

    /// `skopeo inspect --raw REF`: the exact manifest bytes. TLS verification is off for
    /// `docker://` references (test registries are plain HTTP on loopback).
    public static func inspectRaw(_ ref: String) async throws -> Data {
        var args = ["inspect", "--raw"]
        if ref.hasPrefix("docker://") { args.append("--tls-verify=false") }
        args.append(ref)
        let result = try await run(args)
        guard result.status == 0 else {
            throw TestSupportError("skopeo \(args.joined(separator: " ")) failed (\(result.status)): \(result.stderrString)")
        }
        return result.stdout
    }

    /// `skopeo copy --all` between two references, without TLS verification.
    /// - Parameter preserveDigests: fail rather than let skopeo rewrite anything (it otherwise
    ///   compresses uncompressed layers for `oci:` and converts Docker lists to OCI indexes).
    public static func copyAll(from source: String, to destination: String, preserveDigests: Bool = false) async throws {
        var args = ["copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", "--quiet"]
        if preserveDigests { args.append("--preserve-digests") }
        args += [source, destination]
        let result = try await run(args, timeout: 300)
        guard result.status == 0 else {
            throw TestSupportError("skopeo \(args.joined(separator: " ")) failed (\(result.status)): \(result.stderrString)")
        }
    }
}
