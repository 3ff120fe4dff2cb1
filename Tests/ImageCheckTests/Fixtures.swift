import Foundation
import TestSupport

enum Fixtures {
    /// The repository root, found from this source file's location.
    static let root = RepositoryPaths.root

    static func repoPath(_ rel: String) -> String { RepositoryPaths.path(rel) }

    static var nodesFile: String { repoPath("testdata/k8s/nodes.json") }
}
