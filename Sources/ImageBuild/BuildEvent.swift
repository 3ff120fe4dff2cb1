import OCIModel

/// What a build reports while it runs, for progress displays and logs.
public enum BuildEvent: Sendable, Equatable {
    /// A base was resolved and pinned.
    case baseResolved(platform: String, pinned: String)
    /// Files were taken from another image (`cached`: from the cache, no layer read).
    case copiedFromImage(platform: String, image: String, files: Int, layerBytesRead: Int64, cached: Bool)
    /// A layer was built (once per distinct content).
    case layerBuilt(format: String, digest: Digest, size: Int64, diffID: Digest)
    /// A layer came from the local layer cache: its inputs are unchanged, nothing was tarred or compressed.
    case layerCached(format: String, digest: Digest, size: Int64, diffID: Digest)
    /// Something about the layer cache worth knowing (a damaged entry replaced, a cache that could not
    /// be used); the build goes on.
    case cacheNotice(String)
    /// `destination`'s tag already points at the exact index this build made: nothing was sent.
    case upToDate(destination: String, index: Digest)
    /// A blob transfer to `destination` began (`size` bytes to move at most).
    case blobStarted(destination: String, digest: Digest, size: Int64)
    /// Bytes of a blob upload sent so far (after each chunk read; live displays only).
    case blobProgress(destination: String, digest: Digest, sent: Int64, size: Int64)
    /// A blob is at `destination`, and how it got there.
    case blobFinished(destination: String, digest: Digest, size: Int64, how: BlobOutcome, seconds: Double)
    /// A manifest or index was stored (by digest or tag).
    case manifestPushed(destination: String, reference: String)
    /// A destination is complete: its tag now points at the index.
    case published(destination: String, index: Digest)

    public enum BlobOutcome: String, Sendable, Equatable {
        case uploaded, mounted, skipped
    }

    /// True for events only a live display shows (too many for a log).
    public var isLiveOnly: Bool { if case .blobProgress = self { return true } else { return false } }

    /// One plain line per event (CI logs, `--progress plain`).
    public var line: String {
        switch self {
        case let .baseResolved(platform, pinned): return "base \(platform): \(pinned)"
        case let .copiedFromImage(platform, image, files, read, cached):
            return "copy-from \(platform): \(files) entr\(files == 1 ? "y" : "ies") from \(image) " + (cached ? "(cached)" : "(\(ByteCount(read)) of layers read)")
        case let .layerBuilt(format, digest, size, diffID):
            return "built \(format) layer \(digest.short) (\(ByteCount(size)), diffID \(diffID.short))"
        case let .layerCached(format, digest, size, diffID):
            return "cached \(format) layer \(digest.short) (\(ByteCount(size)), diffID \(diffID.short))"
        case let .cacheNotice(text): return "layer cache: \(text)"
        case let .upToDate(destination, index): return "\(destination): up to date (\(index))"
        case let .blobStarted(destination, digest, size): return "\(destination): \(digest.short) (\(ByteCount(size))) …"
        case let .blobProgress(destination, digest, sent, size):
            return "\(destination): \(digest.short) \(ByteCount(sent)) of \(ByteCount(size))"
        case let .blobFinished(destination, digest, size, how, seconds):
            let rate = how == .uploaded && seconds > 0 ? ", \(ByteCount(Int64(Double(size) / seconds)))/s" : ""
            return "\(destination): \(digest.short) \(how.rawValue) (\(ByteCount(size))\(rate))"
        case let .manifestPushed(destination, reference): return "\(destination): manifest \(reference)"
        case let .published(destination, index): return "published \(destination) → \(index)"
        }
    }
}

/// A byte count for people: `512 B`, `8.2 KiB`, `101.1 MiB`.
public struct ByteCount: CustomStringConvertible, Sendable {
    public var bytes: Int64
    public init(_ bytes: Int64) { self.bytes = bytes }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
