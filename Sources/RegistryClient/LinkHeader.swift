/// The `Link` response header (RFC 8288, formerly RFC 5988), as far as pagination needs it.
///
/// Registries announce the next page of a tag list (and of referrers and the catalog) as
/// `Link: </v2/app/tags/list?n=2&last=b>; rel="next"`. Servers differ in details the grammar allows,
/// so the parser accepts: several link-values in one header or in several header lines, parameters
/// in any order, quoted or bare values, a `rel` holding several space-separated relation types,
/// case-insensitive names, and commas or semicolons inside `<…>` and quoted strings.
enum LinkHeader {
    /// One link-value: the target as written (not resolved) and its parameters, names lowercased.
    /// Only the first occurrence of a parameter counts (RFC 8288 §3.3 for `rel`).
    struct Link: Equatable {
        var target: String
        var parameters: [String: String]

        /// The relation types of `rel`, lowercased.
        var relations: [String] {
            (parameters["rel"] ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
    }

    /// The target of the first link with relation `next` over all `values` (the header's lines,
    /// in order), or nil when there is none.
    static func next(in values: [String]) -> String? {
        values.lazy.flatMap(parse).first { $0.relations.contains("next") }?.target
    }

    /// Every well-formed link-value of one header value. A malformed one (no `<…>`) is skipped up to
    /// the next top-level comma instead of failing the whole header.
    static func parse(_ value: String) -> [Link] {
        var scanner = Scanner(Array(value.unicodeScalars))
        var links: [Link] = []
        while !scanner.atEnd {
            scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
            guard !scanner.atEnd else { break }
            guard scanner.peek == "<", let target = scanner.take(until: ">") else {
                scanner.skipElement()
                continue
            }
            var parameters: [String: String] = [:]
            while true {
                scanner.skip { $0 == " " || $0 == "\t" }
                guard scanner.peek == ";" else { break }
                scanner.advance()
                scanner.skip { $0 == " " || $0 == "\t" }
                let name = scanner.token().lowercased()
                scanner.skip { $0 == " " || $0 == "\t" }
                var parameterValue = ""
                if scanner.peek == "=" {
                    scanner.advance()
                    scanner.skip { $0 == " " || $0 == "\t" }
                    parameterValue = scanner.peek == "\"" ? scanner.quoted() : scanner.token()
                }
                if !name.isEmpty, parameters[name] == nil { parameters[name] = parameterValue }
            }
            links.append(Link(target: target, parameters: parameters))
            // Anything unexpected after the parameters ends this link-value, not the header.
            scanner.skipElement()
        }
        return links
    }

    /// A cursor over the header's scalars.
    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { index >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }
        mutating func advance() { index += 1 }

        mutating func skip(_ predicate: (Unicode.Scalar) -> Bool) {
            while let c = peek, predicate(c) { advance() }
        }

        /// After the opening delimiter at the cursor: the text up to `end`, consuming both; nil when
        /// `end` never comes (the rest is consumed).
        mutating func take(until end: Unicode.Scalar) -> String? {
            advance()
            var text = String.UnicodeScalarView()
            while let c = peek {
                advance()
                if c == end { return String(text) }
                text.append(c)
            }
            return nil
        }

        /// A bare token: up to whitespace, `;`, `,` or `=`.
        mutating func token() -> String {
            var text = String.UnicodeScalarView()
            while let c = peek, !" \t;,=".unicodeScalars.contains(c) {
                text.append(c)
                advance()
            }
            return String(text)
        }

        /// A quoted-string at the cursor, unescaped (`\x` → `x`).
        mutating func quoted() -> String {
            advance()
            var text = String.UnicodeScalarView()
            while let c = peek {
                advance()
                if c == "\"" { break }
                if c == "\\", let escaped = peek {
                    advance()
                    text.append(escaped)
                } else {
                    text.append(c)
                }
            }
            return String(text)
        }

        /// Skips to just past the next comma outside `<…>` and quotes: the end of a link-value.
        mutating func skipElement() {
            while let c = peek {
                switch c {
                case ",": advance(); return
                case "\"": _ = quoted()
                case "<": _ = take(until: ">")
                default: advance()
                }
            }
        }
    }
}
