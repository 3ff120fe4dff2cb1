import Foundation
import Yams

extension BuildSpec {
    /// The keys a spec file may use, each the plural or same name of a `winimg build` flag.
    static let fileKeys = ["platforms", "bases", "add", "copy-from", "entrypoint", "cmd", "env", "env-windows", "env-linux",
                           "labels", "user", "workdir", "tags", "insecure-registries"]

    /// Loads a spec file (YAML). Relative paths inside it resolve against the file's directory.
    /// - Throws: `BuildError.spec` naming the file, the line and the offending key.
    public static func load(file path: String) throws -> BuildSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BuildError.spec(file: path, line: nil, message: "cannot read the spec file; check the path given to -f")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BuildError.spec(file: path, line: nil, message: "the spec file is not UTF-8 text; save it as UTF-8")
        }
        var spec = try parse(yaml: text, file: path)
        spec.baseDirectory = (path as NSString).deletingLastPathComponent.isEmpty
            ? "." : (path as NSString).deletingLastPathComponent
        return spec
    }

    /// Parses spec YAML text; `file` only names the source in errors.
    public static func parse(yaml text: String, file: String = "winimg.yaml") throws -> BuildSpec {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw yamlError(error, file: file)
        }
        var spec = BuildSpec()
        guard let root else { return spec }
        let r = SpecReader(file: file)
        guard let mapping = root.mapping else {
            throw r.fail(root, "the spec file must be a mapping of keys (platforms, bases, add, tags, …)")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw r.fail(keyNode, "keys must be strings") }
            switch key {
            case "platforms": spec.platforms = try r.strings(value, key)
            case "bases": spec.bases = try r.stringMap(value, key)
            case "add": spec.files = try r.files(value)
            case "copy-from": spec.copyFrom = try r.copies(value)
            case "entrypoint": spec.entrypoint = try r.command(value, key)
            case "cmd": spec.cmd = try r.command(value, key)
            case "env": spec.env = try r.strings(value, key)
            case "env-windows": spec.envWindows = try r.strings(value, key)
            case "env-linux": spec.envLinux = try r.strings(value, key)
            case "labels": spec.labels = try r.stringMap(value, key)
            case "user": spec.user = try r.string(value, key)
            case "workdir": spec.workdir = try r.string(value, key)
            case "tags": spec.tags = try r.strings(value, key)
            case "insecure-registries": spec.insecureRegistries = try r.strings(value, key)
            default:
                let near = fileKeys.min { editDistance($0, key) < editDistance($1, key) } ?? ""
                let hint = editDistance(near, key) <= 3 ? " (did you mean '\(near)'?)" : ""
                throw r.fail(keyNode, "unknown key '\(key)'\(hint); known keys: \(fileKeys.joined(separator: ", "))")
            }
        }
        return spec
    }
}

/// Yams' errors, reduced to one line with the file's line number.
private func yamlError(_ error: any Error, file: String) -> BuildError {
    switch error as? YamlError {
    case let .duplicatedKeysInMapping(duplicates, context)?:
        let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
        return .spec(file: file, line: context.mark.line,
                     message: "key \(keys) is given twice in the mapping that starts here; keep one")
    case let .scanner(context, problem, mark, _)?, let .parser(context, problem, mark, _)?, let .composer(context, problem, mark, _)?:
        let near = context.map { " (\($0.text))" } ?? ""
        return .spec(file: file, line: mark.line, message: "not valid YAML: \(problem)\(near) at column \(mark.column)")
    default:
        return .spec(file: file, line: nil, message: "not valid YAML: \(error)")
    }
}

/// Reads typed values out of YAML nodes, failing with the node's line.
private struct SpecReader {
    let file: String

    func fail(_ node: Node, _ message: String) -> BuildError {
        .spec(file: file, line: node.mark?.line, message: message)
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard let s = node.scalar?.string else { throw fail(node, "'\(key)' must be a string") }
        return s
    }

    /// A list of strings; a single string is accepted as a one-element list.
    func strings(_ node: Node, _ key: String) throws -> [String] {
        if let s = node.scalar { return [s.string] }
        guard let seq = node.sequence else { throw fail(node, "'\(key)' must be a list of strings") }
        return try seq.map { item in
            guard let s = item.scalar?.string else { throw fail(item, "every item of '\(key)' must be a string") }
            return s
        }
    }

    /// `entrypoint`/`cmd`: a list (exec form) or a single string (one argument, no shell).
    func command(_ node: Node, _ key: String) throws -> [String] { try strings(node, key) }

    func stringMap(_ node: Node, _ key: String) throws -> [String: String] {
        guard let map = node.mapping else { throw fail(node, "'\(key)' must be a mapping of string keys to string values") }
        var out: [String: String] = [:]
        for (k, v) in map {
            guard let ks = k.scalar?.string else { throw fail(k, "keys of '\(key)' must be strings") }
            guard let vs = v.scalar?.string else { throw fail(v, "'\(key).\(ks)' must be a string") }
            if out[ks] != nil { throw fail(k, "'\(key).\(ks)' is given twice") }
            out[ks] = vs
        }
        return out
    }

    /// `copy-from:` items are mappings `{image, paths, dst, only}`.
    func copies(_ node: Node) throws -> [CopySpec] {
        guard let seq = node.sequence else { throw fail(node, "'copy-from' must be a list of {image, paths, dst} mappings") }
        return try seq.map { item in
            guard let map = item.mapping else { throw fail(item, "a 'copy-from' item must be a mapping with image and paths") }
            var image: String?, paths: [String] = [], dst: String?, only: String?
            for (k, v) in map {
                switch k.string {
                case "image": image = try string(v, "image")
                case "paths": paths = try strings(v, "paths")
                case "dst": dst = try string(v, "dst")
                case "only": only = try string(v, "only")
                default: throw fail(k, "unknown key '\(k.string ?? "?")' in a 'copy-from' item; use image, paths, dst, only")
                }
            }
            guard let image, !paths.isEmpty else { throw fail(item, "a 'copy-from' item needs 'image' and 'paths'") }
            return CopySpec(image: image, paths: paths, destination: dst, only: only)
        }
    }

    /// `add:` items are `SRC:DST` strings or mappings `{src, dst, only, mode}`.
    func files(_ node: Node) throws -> [FileSpec] {
        guard let seq = node.sequence else { throw fail(node, "'add' must be a list of 'SRC:DST' strings or {src, dst} mappings") }
        return try seq.map { item in
            if let s = item.scalar?.string {
                do { return try FileSpec(flag: s) } catch let e as BuildError { throw fail(item, e.description) }
            }
            guard let map = item.mapping else { throw fail(item, "an 'add' item must be 'SRC:DST' or a mapping with src and dst") }
            var src: String?, dst: String?, only: String?, mode: UInt32?, archive: String?
            for (k, v) in map {
                switch k.string {
                case "src": src = try string(v, "src")
                case "archive": archive = try string(v, "archive")
                case "dst": dst = try string(v, "dst")
                case "only": only = try string(v, "only")
                case "mode":
                    let text = try string(v, "mode")
                    guard let m = UInt32(text.hasPrefix("0o") ? String(text.dropFirst(2)) : text, radix: 8), m <= 0o7777 else {
                        throw fail(v, "'mode' must be octal permission bits such as \"0755\"")
                    }
                    mode = m
                default:
                    throw fail(k, "unknown key '\(k.string ?? "?")' in an 'add' item; use src, dst, only, mode (or archive instead of src)")
                }
            }
            if src != nil, archive != nil {
                throw fail(item, "an 'add' item takes 'src' (a file or directory) or 'archive' (a .zip/.tar/.tar.gz/.tar.xz to unpack), not both")
            }
            guard let source = src ?? archive, let dst else { throw fail(item, "an 'add' item needs both 'src' and 'dst' (or 'archive' instead of 'src', to unpack an archive)") }
            return FileSpec(source: source, destination: dst, only: only, mode: mode, archive: archive != nil ? true : nil)
        }
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
