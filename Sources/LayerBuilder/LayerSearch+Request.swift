import Foundation

extension LayerSearch {
    /// One path asked for: exact (a file, or a directory taken with its whole tree) or a pattern
    /// where `*`, `?`, `[…]` match within one name and a `**` segment matches any number of names.
    struct Request: Sendable, Hashable {
        /// Normalised segments, e.g. `["Windows", "System32", "**", "*.mui"]`.
        let segments: [String]
        let isPattern: Bool
        /// Written with a trailing `/`: only a directory answers it.
        let directoryOnly: Bool

        init(_ raw: String) throws {
            var parts = raw.split(separator: "/").map(String.init).filter { $0 != "." }
            guard !parts.isEmpty, !parts.contains("..") else {
                throw LayerBuilderError.invalidPath(raw, reason: "name a file or folder inside the source image, e.g. /Windows/System32/netapi32.dll")
            }
            // `a/**/**/b` means `a/**/b`; repeated segments would only slow matching down.
            parts = parts.enumerated().filter { i, p in !(p == "**" && i > 0 && parts[i - 1] == "**") }.map(\.1)
            segments = parts
            isPattern = parts.contains { $0.contains { "*?[".contains($0) } }
            directoryOnly = raw.hasSuffix("/") && !isPattern
        }

        var text: String { segments.joined(separator: "/") }

        /// How many leading segments a destination replaces: all but the last for an exact path
        /// (a file or directory keeps its name), the names before the first wildcard for a pattern
        /// (what the wildcards matched keeps its place below the destination).
        var anchor: Int {
            isPattern ? segments.firstIndex { $0.contains { "*?[".contains($0) } }! : segments.count - 1
        }

        /// Pattern match of a whole container path given as segments.
        func matches(_ path: [Substring], caseFold: Bool) -> Bool {
            Self.match(segments[...], path[...], flags: caseFold ? 1 << 4 /* FNM_CASEFOLD */ : 0)
        }

        private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<Substring>, flags: Int32) -> Bool {
            guard let first = pattern.first else { return path.isEmpty }
            if first == "**" {
                let rest = pattern.dropFirst()
                // A trailing `**` takes what is inside a folder, not the folder's own path.
                if rest.isEmpty { return !path.isEmpty }
                var i = path.startIndex
                while true {
                    if match(rest, path[i...], flags: flags) { return true }
                    if i == path.endIndex { return false }
                    i += 1
                }
            }
            guard let name = path.first, fnmatch(first, String(name), flags) == 0 else { return false }
            return match(pattern.dropFirst(), path.dropFirst(), flags: flags)
        }
    }
}
