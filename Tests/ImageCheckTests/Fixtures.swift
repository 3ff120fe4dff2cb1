import Foundation

enum Fixtures {
    /// The repository root, found from this source file's location.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    static func repoPath(_ rel: String) -> String { (root as NSString).appendingPathComponent(rel) }

    static var nodesFile: String { repoPath("testdata/k8s/nodes.json") }
}
