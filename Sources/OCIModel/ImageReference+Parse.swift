extension ImageReference {
    /// The longest accepted name (`registry/repository` after normalisation), as in the distribution grammar.
    public static let maximumNameLength = 255

    /// Parses `[registry/]repository[:tag][@digest]` (distribution reference grammar).
    ///
    /// The first path component is a registry only when it is `localhost` or contains `.` or `:`;
    /// otherwise the name is on Docker Hub, where `index.docker.io` becomes `docker.io` and a
    /// one-component name gets `library/`. With neither tag nor digest the tag is `latest`.
    /// - Throws: `OCIModelError.invalidReference` with what is wrong and how to write it instead.
    public init(parsing input: String) throws {
        func fail(_ reason: String) -> OCIModelError { .invalidReference(input, reason: reason) }
        guard !input.isEmpty else { throw fail("the reference is empty; write e.g. docker.io/library/busybox:latest") }
        if let bad = input.unicodeScalars.first(where: { $0.properties.isWhitespace || !$0.isASCII }) {
            throw fail("it contains the character U+\(String(bad.value, radix: 16, uppercase: true)); references are plain ASCII without spaces")
        }

        var name = Substring(input)
        var digest: Digest?
        if let at = name.firstIndex(of: "@") {
            let digestText = String(name[name.index(after: at)...])
            do {
                digest = try Digest(digestText)
            } catch let OCIModelError.invalidDigest(_, reason) {
                throw fail("the digest after '@' is invalid: \(reason)")
            }
            name = name[..<at]
        }

        var tag: String?
        let lastSlash = name.lastIndex(of: "/")
        let tagSearchStart = lastSlash.map { name.index(after: $0) } ?? name.startIndex
        if let colon = name[tagSearchStart...].lastIndex(of: ":") {
            let t = String(name[name.index(after: colon)...])
            guard Self.isValidTag(t) else {
                throw fail("tag '\(t)' is invalid; a tag is 1 to 128 letters, digits, '_', '.' or '-' and starts with a letter, digit or '_'")
            }
            tag = t
            name = name[..<colon]
        }

        guard !name.isEmpty else { throw fail("the repository name is missing") }
        if name.utf8.count == 64 && name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) {
            throw fail("a 64-hex-digit string is an image ID, not a name; write name@sha256:<digest> to pin content")
        }

        var registry = Self.dockerHub
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first == "localhost" || first.contains(".") || first.contains(":") {
                try Self.validateDomain(first, fail: fail)
                registry = first == "index.docker.io" ? Self.dockerHub : String(first)
                path = name[name.index(after: slash)...]
            }
        }
        try Self.validatePath(path, fail: fail)
        var repository = String(path)
        if registry == Self.dockerHub && !repository.contains("/") { repository = "library/" + repository }
        // The limit applies to the normalised name (as in the distribution reference library), so
        // that the canonical form printed for any accepted reference parses again.
        let canonicalLength = registry.utf8.count + 1 + repository.utf8.count
        guard canonicalLength <= Self.maximumNameLength else {
            throw fail("the name \(registry)/\(repository) is \(canonicalLength) characters long; the limit is \(Self.maximumNameLength)")
        }

        self.init(registry: registry, repository: repository,
                  tag: tag ?? (digest == nil ? "latest" : nil), digest: digest)
    }

    /// tag := [\w][\w.-]{0,127}
    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        func word(_ c: UInt8) -> Bool { isAlphanumeric(c) || c == UInt8(ascii: "_") }
        return word(bytes[0]) && bytes.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    }

    private static func isLowerAlphanumeric(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a)
    }

    /// domain := host [':' port]; host := domain-name | IPv4 | '[' IPv6 ']'
    private static func validateDomain(_ domain: Substring, fail: (String) -> OCIModelError) throws {
        var host = domain
        var port: Substring?
        if domain.hasPrefix("[") {
            guard let close = domain.firstIndex(of: "]") else {
                throw fail("registry '\(domain)' opens '[' for an IPv6 address but does not close it")
            }
            let address = domain[domain.index(after: domain.startIndex)..<close]
            guard !address.isEmpty, address.contains(":"),
                  address.allSatisfy({ $0 == ":" || $0.isHexDigit }) else {
                throw fail("'\(address)' is not an IPv6 address; write it like [::1]:5000")
            }
            host = domain[...close]
            let rest = domain[domain.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw fail("registry '\(domain)' has text after ']' that is not ':port'") }
                port = rest.dropFirst()
            }
        } else {
            if let colon = domain.firstIndex(of: ":") {
                host = domain[..<colon]
                port = domain[domain.index(after: colon)...]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            for label in labels {
                let bytes = Array(label.utf8)
                guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last),
                      bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
                    throw fail("registry host '\(host)' is invalid; each dot-separated part is letters, digits and inner '-'")
                }
            }
        }
        if let port {
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw fail("registry port '\(port)' must be digits, as in localhost:5000")
            }
        }
    }

    /// path := component ('/' component)*; component := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*
    private static func validatePath(_ path: Substring, fail: (String) -> OCIModelError) throws {
        if path.contains(where: { $0.isUppercase }) {
            throw fail("repository name must be lowercase; write '\(path.lowercased())'")
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else {
                throw fail("the repository path has an empty component (a leading, trailing or doubled '/')")
            }
            guard isValidPathComponent(Array(component.utf8)) else {
                throw fail("path component '\(component)' is invalid; use lowercase letters and digits, separated by '.', '_', '__' or dashes, and start and end with a letter or digit")
            }
        }
    }

    private static func isValidPathComponent(_ bytes: [UInt8]) -> Bool {
        var i = 0
        func alnumRun() -> Bool {
            let start = i
            while i < bytes.count, isLowerAlphanumeric(bytes[i]) { i += 1 }
            return i > start
        }
        guard alnumRun() else { return false }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "."):
                i += 1
            case UInt8(ascii: "_"):
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "_") { i += 1 }
            case UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            default:
                return false
            }
            guard alnumRun() else { return false }
        }
        return true
    }
}
