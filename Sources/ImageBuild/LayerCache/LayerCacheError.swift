/// Why a layer cache cannot be used.
public enum LayerCacheError: Error, Equatable, CustomStringConvertible {
    /// The directory cannot be created or written.
    case unusable(directory: String, reason: String)
    /// A `--cache-max` value that is not a size.
    case invalidSize(String)

    public var description: String {
        switch self {
        case let .unusable(directory, reason):
            return "layer cache directory '\(directory)' cannot be used: \(reason); give a writable directory with --cache-dir, or build without the cache (--no-cache)"
        case let .invalidSize(text):
            return "cache size '\(text)' is not a size; write a number of bytes with an optional unit, e.g. 500M, 10G or 2GiB"
        }
    }
}
