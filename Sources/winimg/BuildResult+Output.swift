import Foundation
import ImageBuild

extension BuildResult {
    func jsonText() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines = ["index \(index.digest) (\(index.mediaType))"]
        for d in destinations { lines.append("  → \(d)") }
        let width = platforms.map(\.platform.count).max() ?? 0
        for p in platforms {
            let version = p.osVersion.map { " \($0)" } ?? ""
            let features = p.osFeatures.map { " [\($0.joined(separator: ","))]" } ?? ""
            lines.append("  \(p.platform.padding(toLength: width, withPad: " ", startingAt: 0))\(version)\(features)  manifest \(p.manifest)")
            lines.append("  \(String(repeating: " ", count: width))  base \(p.base)")
        }
        lines.append("layers built: \(layersBuilt); blobs uploaded: \(transfer.blobsUploaded) (\(transfer.bytesUploaded) bytes), already present: \(transfer.blobsSkipped), mounted: \(transfer.blobsMounted), foreign layers left out: \(transfer.foreignLayersSkipped)")
        return lines.joined(separator: "\n")
    }
}
