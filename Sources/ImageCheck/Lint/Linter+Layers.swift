import Foundation
import LayerBuilder
import OCIModel
import RegistryClient

extension Linter {
    /// Which lint rule a `WindowsLayerCheck` finding belongs to.
    static func rule(forLayerFinding id: String) -> LintRule {
        switch id {
        case "parent-after-child", "missing-parent": return .windowsLayerOrder
        case "missing-rawsd", "invalid-rawsd": return .windowsLayerSecurity
        default: return .windowsLayerRoots
        }
    }

    /// Downloads every distinct layer of the Windows image entries (foreign layers excepted), one at
    /// a time into a private directory that is removed afterwards, and checks its structure with
    /// `WindowsLayerCheck`. A layer shared by several entries is read once and reported on the first.
    /// Findings are grouped per layer and rule: the first message, then how many more there are.
    /// - Throws: `LintError.layerUnavailable` when a layer cannot be downloaded.
    public func layerFindings(_ s: LintSubject, source: any ImageSource) async throws -> [LintFinding] {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
        let dir = (base as NSString).appendingPathComponent("winimg-lint-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        var out: [LintFinding] = []
        var checked: Set<Digest> = []
        for e in s.entries where e.isContainerImage && (e.config?.os == "windows") {
            for (n, layer) in e.layers.enumerated() where !layer.isNonDistributable && (layer.urls ?? []).isEmpty {
                guard checked.insert(layer.digest).inserted else { continue }
                try Task.checkCancellation()
                let path = (dir as NSString).appendingPathComponent(layer.digest.encoded)
                do { try await source.fetchBlob(layer.digest, to: path) } catch {
                    throw LintError.layerUnavailable(digest: layer.digest.description, reason: "\(error)")
                }
                defer { try? FileManager.default.removeItem(atPath: path) }
                let where_ = "layer \(n + 1) of \(e.layers.count) (\(layer.digest))"
                let entries: [TarEntryInfo]
                do { entries = try LayerReader.entries(ofLayerAt: path) } catch {
                    out.append(LintFinding(.unreadableLayer, e, "\(where_): \(error)"))
                    continue
                }
                let found = WindowsLayerCheck.check(entries)
                var groups: [(LintRule, [WindowsLayerFinding])] = []
                for f in found {
                    let rule = Self.rule(forLayerFinding: f.id)
                    if let i = groups.firstIndex(where: { $0.0 == rule }) { groups[i].1.append(f) } else { groups.append((rule, [f])) }
                }
                for (rule, list) in groups {
                    let more = list.count > 1 ? " (and \(list.count - 1) more)" : ""
                    out.append(LintFinding(rule, e, "\(where_): \(list[0].message)\(more)"))
                }
            }
        }
        return Self.ordered(out)
    }
}
