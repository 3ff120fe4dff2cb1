import Foundation
import ImageBuild
import ImageCheck

extension BuildResult {
    func jsonText() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// The result with the lint report under `lint` (absent when lint did not run).
    func jsonText(lint: LintReport?) throws -> String {
        guard let lint else { return try jsonText() }
        let e = JSONEncoder()
        guard var object = try JSONSerialization.jsonObject(with: try e.encode(self)) as? [String: Any] else { return try jsonText() }
        object["lint"] = try JSONSerialization.jsonObject(with: try e.encode(lint))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
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
        for d in upToDate { lines.append("\(d): up to date, nothing sent") }
        let cached = layers.filter { $0.cache == "hit" }.count
        lines.append("layers built: \(layersBuilt)\(cached > 0 ? ", from cache: \(cached)" : ""); blobs uploaded: \(transfer.blobsUploaded) (\(transfer.bytesUploaded) bytes), already present: \(transfer.blobsSkipped), mounted: \(transfer.blobsMounted), foreign layers left out: \(transfer.foreignLayersSkipped)")
        return lines.joined(separator: "\n")
    }
}
