import Foundation
import OCIModel

/// Where an image comes from or goes to.
public enum ImageLocation: Sendable, Hashable, CustomStringConvertible {
    /// A repository on a registry.
    case registry(ImageReference)
    /// An OCI image layout directory, optionally naming a tag (`org.opencontainers.image.ref.name`).
    case layout(directory: String, tag: String?)
    /// The empty image (Linux only).
    case scratch

    /// Parses `scratch`, `oci:DIR[:TAG]` or a registry reference. Relative layout directories are
    /// resolved against `relativeTo`. `destination`: the text names where an image goes, so a
    /// hint never suggests `scratch` (which only a source can be).
    public init(parsing text: String, relativeTo base: String = ".", destination: Bool = false) throws {
        if text == "scratch" {
            self = .scratch
        } else if text.hasPrefix("oci:") {
            var rest = String(text.dropFirst(4))
            var tag: String?
            // The tag follows the last ':' only when what follows is a valid tag and not part of a path.
            if let colon = rest.lastIndex(of: ":") {
                let candidate = String(rest[rest.index(after: colon)...])
                if !candidate.isEmpty, !candidate.contains("/"), Self.isValidTag(candidate) {
                    tag = candidate
                    rest = String(rest[..<colon])
                }
            }
            guard !rest.isEmpty else {
                throw BuildError.invalidLocation(text, reason: "oci: needs a directory, e.g. oci:out/pause:3.10")
            }
            let dir = rest.hasPrefix("/") ? rest : (base as NSString).appendingPathComponent(rest)
            self = .layout(directory: Self.absolute(dir), tag: tag)
        } else if text.hasPrefix("docker://") {
            self = .registry(try Self.reference(String(text.dropFirst(9)), original: text, destination: destination))
        } else {
            self = .registry(try Self.reference(text, original: text, destination: destination))
        }
    }

    private static func reference(_ s: String, original: String, destination: Bool) throws -> ImageReference {
        do { return try ImageReference(parsing: s) } catch let e as OCIModelError {
            // The location already quotes the text; keep only the reason, not a second "invalid … 'X'".
            var why = e.description
            if case let .invalidReference(_, reason) = e { why = reason }
            let forms = destination ? "a registry reference (host/repo:tag) or oci:DIR[:TAG]"
                : "a registry reference (host/repo:tag), oci:DIR[:TAG] or scratch"
            throw BuildError.invalidLocation(original, reason: "\(why); use \(forms)")
        }
    }

    /// An absolute path without `.`/`..` components, so results name layouts unambiguously.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }

    static func isValidTag(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 128 else { return false }
        func word(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f }
        return word(first) && s.utf8.allSatisfy { word($0) || $0 == 0x2e || $0 == 0x2d }
    }

    public var description: String {
        switch self {
        case let .registry(r): return r.description
        case let .layout(dir, tag): return "oci:\(dir)" + (tag.map { ":\($0)" } ?? "")
        case .scratch: return "scratch"
        }
    }
}
