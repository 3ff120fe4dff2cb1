/// A validated, normalised container path: no leading `/` or `./`, no empty, `.` or `..`
/// components, split into components.
struct LayerPath: Sendable, Hashable {
    let components: [String]

    /// Components joined with `/`, e.g. `Windows/System32/wincat.exe`.
    var joined: String { components.joined(separator: "/") }

    /// Normalises `raw` and checks it is usable in a layer of `format`.
    /// - Throws: `LayerBuilderError.invalidPath` / `.alreadyWindowsLayerForm` naming `raw` and the fix.
    init(normalizing raw: String, format: LayerFormat) throws {
        func invalid(_ reason: String) -> LayerBuilderError { .invalidPath(raw, reason: reason) }
        if raw.utf8.contains(0) {
            throw invalid("contains a NUL byte; remove it")
        }
        if format == .windows {
            // A leading '/' may have been added to what the user wrote (`C:/x` → `/C:/x`).
            let u = Array(raw.utf8.drop { $0 == UInt8(ascii: "/") })
            if u.count >= 2, u[1] == UInt8(ascii: ":"), (u[0] | 0x20) >= UInt8(ascii: "a"), (u[0] | 0x20) <= UInt8(ascii: "z") {
                throw invalid("starts with a drive letter; give the container path without it, e.g. '/Windows/System32/x.exe' for C:\\Windows\\System32\\x.exe")
            }
            if u.contains(UInt8(ascii: "\\")) {
                throw invalid("contains '\\'; use '/' as the separator, e.g. '/Windows/System32/x.exe'")
            }
        }
        // Splitting on '/' and dropping empty and '.' parts strips a leading '/' or './' and
        // collapses '//' in one step.
        let parts = raw.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        if parts.contains("..") {
            throw invalid("contains a '..' component; layer paths must stay inside the image root, give the resolved path instead")
        }
        if parts.isEmpty {
            throw invalid("is empty after normalisation (only '/' or '.'); name a file or directory inside the image")
        }
        for part in parts {
            // 255 bytes is the per-name limit of ext4/xfs/overlayfs (and NTFS allows 255 UTF-16
            // units), so a longer name could never be extracted.
            if part.utf8.count > 255 {
                throw invalid("component '\(part.prefix(40))…' is \(part.utf8.count) bytes long; file names are limited to 255 bytes, shorten it")
            }
            if format == .windows {
                for scalar in part.unicodeScalars where scalar.value < 0x20 || "<>:\"|?*".unicodeScalars.contains(scalar) {
                    let shown = scalar.value < 0x20 ? "control character U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
                    throw invalid("contains \(shown), which Windows does not allow in file names; rename it")
                }
            }
        }
        if format == .windows, parts.count > 1, parts[0] == WindowsLayout.filesRoot || parts[0] == WindowsLayout.hivesRoot {
            throw LayerBuilderError.alreadyWindowsLayerForm(raw)
        }
        components = parts.map(String.init)
    }

    /// Deterministic order where every directory precedes its contents: components compared as
    /// UTF-8 bytes, so `a` < `a/b` < `a-b` (plain byte order of whole paths would put `a-b` before
    /// `a/b`, and so `a-b` between `a` and its child).
    static func precedes(_ a: LayerPath, _ b: LayerPath) -> Bool {
        a.components.lazy.map { Array($0.utf8) }.lexicographicallyPrecedes(b.components.lazy.map { Array($0.utf8) }) {
            $0.lexicographicallyPrecedes($1)
        }
    }
}
