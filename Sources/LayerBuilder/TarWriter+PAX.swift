// PAX extended headers (POSIX.1-2001 `pax`, "pax Extended Header"): a type 'x' member whose data is
// records `"<len> <key>=<value>\n"` that override/extend the following ustar header.

/// One PAX record. `<len>` counts the whole record, its own digits included, so it is found by
/// fixed-point iteration: e.g. `92 MSWINDOWS.rawsd=<72 chars>\n` is 2 + 1 + 15 + 1 + 72 + 1 = 92.
func paxRecord(key: String, value: String) -> [UInt8] {
    let body = Array(" \(key)=\(value)\n".utf8)
    var length = body.count + 1
    while String(length).utf8.count + body.count != length {
        length = String(length).utf8.count + body.count
    }
    return Array(String(length).utf8) + body
}

/// Truncates UTF-8 `bytes` to at most `limit` bytes without splitting a character.
func truncateUTF8(_ bytes: [UInt8], to limit: Int) -> [UInt8] {
    guard bytes.count > limit else { return bytes }
    var end = limit
    // Back up over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
    while end > 0 && (bytes[end] & 0xC0) == 0x80 { end -= 1 }
    return Array(bytes[0..<end])
}

extension TarHeader {
    /// All PAX records this header needs, sorted by key so output is deterministic; empty when the
    /// plain ustar header can say everything.
    ///
    /// Long or non-ASCII names always use a `path` record, never the ustar `prefix` field: one
    /// mechanism, no ambiguity about where the split falls, and UTF-8 is explicit in PAX.
    func paxRecords() -> [(key: String, value: String)] {
        var records = vendorRecords.map { (key: $0.key, value: $0.value) }
        if Self.needsPAX(name) { records.append((key: "path", value: name)) }
        if Self.needsPAX(linkName) { records.append((key: "linkpath", value: linkName)) }
        if size > ustarMaxSize { records.append((key: "size", value: String(size))) }
        return records.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    private static func needsPAX(_ s: String) -> Bool {
        s.utf8.count > 100 || !s.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Deterministic name of the PAX header member: `PaxHeaders/<basename>`, cut to fit 100 bytes.
    /// Readers ignore it; it only shows up when a non-PAX tool extracts the archive.
    var paxHeaderName: [UInt8] {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        let prefix = Array("PaxHeaders/".utf8)
        return prefix + truncateUTF8(Array(base.utf8), to: 100 - prefix.count)
    }
}
