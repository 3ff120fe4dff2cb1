import Foundation

/// A fresh directory under the system temp dir, removed by `remove()`.
public struct TempDir: Sendable {
    public let path: String

    /// Creates `/tmp/<prefix>-<random>`.
    public init(prefix: String = "winimg-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = base + "/" + prefix + "-" + UUID().uuidString.prefix(12).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/name`.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `data` to `path/name` and returns the full path.
    @discardableResult
    public func write(_ name: String, _ data: Data) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: p))
        return p
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a temp dir that is removed afterwards, also on error.
public func withTempDir<T>(prefix: String = "winimg-test", _ body: (TempDir) async throws -> T) async throws -> T {
    let dir = try TempDir(prefix: prefix)
    defer { dir.remove() }
    return try await body(dir)
}

/// Runs `body` with a started test server and stops the server whatever happens.
func withStarted<Server, T>(_ server: Server, stop: (Server) async -> Void,
                            _ body: (Server) async throws -> T) async throws -> T {
    do {
        let result = try await body(server)
        await stop(server)
        return result
    } catch {
        await stop(server)
        throw error
    }
}

/// Paths inside this repository, found from this source file's location (tests run from anywhere).
public enum RepositoryPaths {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    public static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }
}
