/// Receives the bytes of a tar stream.
protocol TarSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Streaming POSIX ustar + PAX writer.
///
/// Usage per member: `begin(_:)`, then exactly `header.size` bytes through `writeContent(_:)`, then
/// `end()`. `finish()` writes the end-of-archive marker.
///
/// The archive ends with two zero blocks and nothing else: tar's 10240-byte record blocking is a
/// tape-era convention that no layer reader (Go's archive/tar, containerd, hcsshim, libarchive,
/// Python's tarfile) needs, and Go's writer does not pad either. gzip takes care of framing.
struct TarWriter<Sink: TarSink> {
    var sink: Sink
    /// Content bytes still owed for the current member.
    private var remaining: Int64 = 0
    /// Content bytes written for the current member (for block padding).
    private var written: Int64 = 0
    private var inMember = false

    init(sink: Sink) { self.sink = sink }

    /// Writes the header(s) for `header`: a PAX 'x' member first when records are needed.
    mutating func begin(_ header: TarHeader) throws {
        precondition(!inMember, "TarWriter.begin called before end()")
        let records = header.paxRecords()
        if !records.isEmpty {
            var data = [UInt8]()
            for r in records { data += paxRecord(key: r.key, value: r.value) }
            try writeBytes(encodeUstarBlock(
                name: header.paxHeaderName, type: TarHeader.TypeFlag.paxExtended, mode: 0o644,
                size: Int64(data.count), mtime: header.mtime, linkName: []))
            try writeBytes(data)
            try writeBytes([UInt8](repeating: 0, count: padding(Int64(data.count))))
        }
        try writeBytes(encodeUstarBlock(
            name: truncateUTF8(Array(header.name.utf8), to: 100),
            type: header.type, mode: header.mode,
            size: header.size > ustarMaxSize ? 0 : header.size,
            mtime: header.mtime,
            linkName: truncateUTF8(Array(header.linkName.utf8), to: 100)))
        remaining = header.size
        written = 0
        inMember = true
    }

    /// Writes content of the current member.
    mutating func writeContent(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(inMember && Int64(bytes.count) <= remaining, "TarWriter: more content than the header's size")
        try sink.write(bytes)
        remaining -= Int64(bytes.count)
        written += Int64(bytes.count)
    }

    /// Ends the current member, padding its content to a block boundary.
    mutating func end() throws {
        precondition(inMember && remaining == 0, "TarWriter: content shorter than the header's size")
        try writeBytes([UInt8](repeating: 0, count: padding(written)))
        inMember = false
    }

    /// Writes the end-of-archive marker: two zero blocks.
    mutating func finish() throws {
        precondition(!inMember, "TarWriter.finish inside a member")
        try writeBytes([UInt8](repeating: 0, count: 2 * tarBlockSize))
    }

    private mutating func writeBytes(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { try sink.write($0) }
    }
}
