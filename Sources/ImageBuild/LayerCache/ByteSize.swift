import Foundation

/// Parses sizes as people write them: `1048576`, `512K`, `500M`, `10G`, `2GiB`, `1.5T`.
/// `K`/`M`/`G`/`T` and `KiB`... are binary (K = 1024, as `du -h`); `KB`/`MB`/`GB`/`TB` are decimal,
/// as `--chunk-size` reads them.
public enum ByteSize {
    /// The number of bytes `text` means.
    /// - Throws: `LayerCacheError.invalidSize` naming the text and examples.
    public static func parse(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("TIB", 0x1p40), ("GIB", 0x1p30), ("MIB", 0x1p20), ("KIB", 0x1p10),
                                         ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
                                         ("T", 0x1p40), ("G", 0x1p30), ("M", 0x1p20), ("K", 0x1p10), ("B", 1)]
        let upper = t.uppercased()
        var number = Substring(upper), factor = 1.0
        if let unit = units.first(where: { upper.hasSuffix($0.0) }) {
            number = upper.dropLast(unit.0.count)
            factor = unit.1
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0, value * factor < 0x1p62 else {
            throw LayerCacheError.invalidSize(text)
        }
        return Int64((value * factor).rounded())
    }
}
