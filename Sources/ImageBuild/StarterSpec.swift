import Foundation

/// A commented starter `winimg.yaml` for a project directory (`winimg init`).
///
/// It looks for the Windows executables a build already produced (Go's `bin/windows/amd64/x.exe`,
/// `_output/…`, a plain `x.exe`) so the first build needs as few edits as possible: a layout with
/// `windows/amd64` in the path becomes the `{os}/{arch}` template, and each Linux architecture
/// whose binary sits at the matching place becomes a platform too.
public struct StarterSpec: Sendable, Equatable {
    /// Image name used in the example destination.
    public var name: String
    /// The `add:` source (templated when the layout allows) and container path.
    public var source: String
    public var destination: String
    /// Linux architectures whose binaries sit beside the Windows ones (all of them for the placeholder).
    public var linuxArchitectures: [String]
    /// True when `source` is a real file found in the directory, false for the placeholder.
    public var found: Bool

    /// Folders never searched: version control, build caches, dependencies.
    static let skipped: Set<String> = [".git", ".build", "node_modules", "vendor", ".cache", "out"]

    /// Scans `directory` (depth ≤ 4, in name order) for `*.exe` files.
    public static func scan(directory: String) -> StarterSpec {
        let name = sanitizedName(URL(fileURLWithPath: directory).absoluteURL.standardized.lastPathComponent)
        guard let exe = firstExecutable(in: directory, relative: "", depth: 0) else {
            return StarterSpec(name: name, source: "bin/{os}/{arch}/\(name){exe}", destination: "/\(name){exe}",
                               linuxArchitectures: ["amd64", "arm64"], found: false)
        }
        let base = (exe as NSString).lastPathComponent
        let stem = String(base.dropLast(4))
        if let range = exe.range(of: "windows/amd64/") {
            let linux = ["amd64", "arm64"].filter { arch in
                let path = exe.replacingCharacters(in: range, with: "linux/\(arch)/").dropLast(4)
                return FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(String(path)))
            }
            let templated = exe.replacingCharacters(in: range, with: "{os}/{arch}/").dropLast(4) + "{exe}"
            return StarterSpec(name: name, source: String(templated), destination: "/\(stem){exe}", linuxArchitectures: linux, found: true)
        }
        return StarterSpec(name: name, source: exe, destination: "/\(base)", linuxArchitectures: [], found: true)
    }

    private static func firstExecutable(in root: String, relative: String, depth: Int) -> String? {
        let dir = relative.isEmpty ? root : (root as NSString).appendingPathComponent(relative)
        guard depth <= 4, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        var subdirectories: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let rel = relative.isEmpty ? name : relative + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(rel), isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                if !skipped.contains(name) { subdirectories.append(rel) }
            } else if name.lowercased().hasSuffix(".exe") {
                return rel
            }
        }
        for sub in subdirectories {
            if let hit = firstExecutable(in: root, relative: sub, depth: depth + 1) { return hit }
        }
        return nil
    }

    /// Repository names are lowercase `[a-z0-9._-]`.
    static func sanitizedName(_ raw: String) -> String {
        let mapped = raw.lowercased().map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_" || c == "-") ? c : "-"
        }
        let trimmed = String(mapped).trimmingCharacters(in: CharacterSet(charactersIn: "-._"))
        return trimmed.isEmpty ? "app" : trimmed
    }

    /// The file's text. Every key is present or shown commented out, with a line on what it does.
    public func yaml() -> String {
        var lines: [String] = [
            "# yaml-language-server: $schema=winimg.schema.json",
            "# winimg build spec. Build with:  winimg build -f winimg.yaml",
            "# Every key has a flag of the same name (flags override the file); see `winimg build --help`.",
            "# winimg.schema.json (from `winimg schema`) lets editors check this file as you type.",
            "",
            "# One entry per Windows Server release your nodes run (see `winimg versions`), plus Linux.",
            "platforms:",
            "  - windows/amd64:ltsc2019",
            "  - windows/amd64:ltsc2022",
            "  - windows/amd64:ltsc2025",
        ]
        lines += linuxArchitectures.map { "  - linux/\($0)" }
        lines += [
            "",
            "# The base of each platform; pin with @sha256:… for reproducible builds. The most specific",
            "# selector wins (windows:ltsc2022 over windows). oci:DIR:TAG reads a local OCI layout.",
            "bases:",
            "  windows:ltsc2019: mcr.microsoft.com/windows/nanoserver:1809",
            "  windows:ltsc2022: mcr.microsoft.com/windows/nanoserver:ltsc2022",
            "  windows:ltsc2025: mcr.microsoft.com/windows/nanoserver:ltsc2025",
        ]
        if !linuxArchitectures.isEmpty { lines.append("  linux: scratch") }
        lines += [
            "",
            "# Host files for the new layer: SRC:DST. Templates: {os} {arch} {variant} {exe} {release} {build}.",
            found ? "# Found in this directory:" : "# Nothing built was found here yet; point this at your binary.",
            "add:",
            "  - \(source):\(destination)",
            "  # - src: config/settings.json",
            "  #   dst: /etc/\(name)/settings.json",
            "  #   only: windows          # only for these platforms",
            "",
            "entrypoint: [\"\(destination)\"]",
            "# cmd: [\"--help\"]",
            "",
            "# Windows keeps PATH in its registry hive; set it explicitly, never to a Linux value.",
            "env-windows:",
            "  - PATH=C:\\Windows\\system32;C:\\Windows;",
            "# env: [\"KEY=VALUE\"]",
            "# env-linux: [\"KEY=VALUE\"]",
            "",
            "# labels:",
            "#   org.opencontainers.image.source: https://example.com/\(name)",
            "# user: ContainerUser",
            "# workdir: /",
            "",
            "# Destinations: a registry reference, or oci:DIR:TAG for a local OCI layout.",
            "tags:",
            "  - oci:out/\(name):latest",
            "  # - registry.example.com/\(name):v1",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}
