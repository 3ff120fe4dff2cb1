/// One tar member as the writer sees it: the logical values, before ustar/PAX encoding.
struct TarHeader: Sendable, Hashable {
    /// ustar typeflag bytes used by this writer.
    enum TypeFlag {
        static let regular: UInt8 = 0x30        // '0'
        static let hardlink: UInt8 = 0x31       // '1'
        static let symlink: UInt8 = 0x32        // '2'
        static let directory: UInt8 = 0x35      // '5'
        static let paxExtended: UInt8 = 0x78    // 'x'
    }

    var name: String
    var type: UInt8
    var mode: UInt32
    var size: Int64 = 0
    var mtime: Int64
    var linkName: String = ""
    /// Vendor PAX records (e.g. `MSWINDOWS.rawsd`); `path`/`linkpath`/`size` are added by the writer.
    var vendorRecords: [String: String] = [:]
}

/// Fixed ustar field layout (POSIX.1-2001 pax, "ustar Interchange Format").
enum UstarField {
    static let name = 0..<100
    static let mode = 100..<108
    static let uid = 108..<116
    static let gid = 116..<124
    static let size = 124..<136
    static let mtime = 136..<148
    static let checksum = 148..<156
    static let typeflag = 156
    static let linkName = 157..<257
    static let magic = 257..<263
    static let version = 263..<265
    static let uname = 265..<297
    static let gname = 297..<329
    static let devMajor = 329..<337
    static let devMinor = 337..<345
    static let prefix = 345..<500
}

/// Tar block size.
let tarBlockSize = 512

/// Zero bytes needed after `count` content bytes to reach a block boundary.
func padding(_ count: Int64) -> Int {
    Int((Int64(tarBlockSize) - count % Int64(tarBlockSize)) % Int64(tarBlockSize))
}

/// Largest value an 11-digit octal size field holds (8 GiB - 1); larger sizes go in a PAX record.
let ustarMaxSize: Int64 = 0o77777777777

/// Encodes one ustar header block. The caller guarantees `name` and `linkName` fit (the PAX layer
/// truncates them and carries the full values), and that `size` fits or is written as 0 with a PAX
/// `size` record.
func encodeUstarBlock(name: [UInt8], type: UInt8, mode: UInt32, size: Int64, mtime: Int64, linkName: [UInt8]) -> [UInt8] {
    var block = [UInt8](repeating: 0, count: tarBlockSize)
    func put(_ bytes: some Collection<UInt8>, _ field: Range<Int>) {
        precondition(bytes.count <= field.count, "tar field overflow")
        for (i, b) in bytes.enumerated() { block[field.lowerBound + i] = b }
    }
    // Numeric fields: zero-padded octal filling all but the last byte, then NUL (what POSIX
    // readers, Go's archive/tar and Python's tarfile all accept).
    func putOctal(_ value: Int64, _ field: Range<Int>) {
        put(octalDigits(value, width: field.count - 1), field)
    }
    put(name, UstarField.name)
    putOctal(Int64(mode), UstarField.mode)
    putOctal(0, UstarField.uid)
    putOctal(0, UstarField.gid)
    putOctal(size, UstarField.size)
    putOctal(mtime, UstarField.mtime)
    block[UstarField.typeflag] = type
    put(linkName, UstarField.linkName)
    put(Array("ustar\0".utf8), UstarField.magic)
    put(Array("00".utf8), UstarField.version)
    // uname/gname stay empty (all NUL): ownership is numeric 0, no name lookup on extraction.
    putOctal(0, UstarField.devMajor)
    putOctal(0, UstarField.devMinor)
    // Checksum: sum of all header bytes with the checksum field read as spaces, written as six
    // octal digits, NUL, space (the traditional layout every reader accepts).
    for i in UstarField.checksum { block[i] = 0x20 }
    let sum = block.reduce(0) { $0 + Int64($1) }
    put(octalDigits(sum, width: 6) + [0, 0x20], UstarField.checksum)
    return block
}

/// `value` as exactly `width` zero-padded ASCII octal digits.
func octalDigits(_ value: Int64, width: Int) -> [UInt8] {
    precondition(value >= 0, "negative tar number")
    var digits = [UInt8](repeating: 0x30, count: width)
    var v = value
    var i = width - 1
    while v > 0 {
        precondition(i >= 0, "tar number \(value) does not fit \(width) octal digits")
        digits[i] = 0x30 + UInt8(v & 7)
        v >>= 3
        i -= 1
    }
    return digits
}
