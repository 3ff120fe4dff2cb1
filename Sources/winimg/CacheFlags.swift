import ArgumentParser
import Foundation
import ImageBuild

/// Flags for the local layer cache (built layers kept between builds).
struct CacheFlags: ParsableArguments {
    @Option(name: .customLong("cache-dir"), help: "Layer cache directory (default: $XDG_CACHE_HOME/winimg, else ~/.cache/winimg).")
    var cacheDir: String?

    @Option(name: .customLong("cache-max"), help: "Largest size of the layer cache, e.g. 2G or 500MiB (default 10G); least recently used layers are removed first.")
    var cacheMax: String?

    @Flag(name: .customLong("no-cache"), help: "Build every layer afresh; neither read nor write the layer cache.")
    var noCache = false

    /// The cache to use (nil with `--no-cache`), and a notice when the default directory cannot be
    /// used (the build goes on without it). An explicit `--cache-dir` that cannot be used is an error.
    func open(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (cache: LayerCache?, notice: String?) {
        if noCache {
            if let cacheDir { throw BuildError.invalidFlag("--cache-dir", cacheDir, hint: "--no-cache turns the cache off; give one of --no-cache and --cache-dir") }
            if let cacheMax { throw BuildError.invalidFlag("--cache-max", cacheMax, hint: "--no-cache turns the cache off; give one of --no-cache and --cache-max") }
            return (nil, nil)
        }
        var maxBytes = LayerCache.defaultMaxBytes
        if let cacheMax {
            do { maxBytes = try ByteSize.parse(cacheMax) } catch {
                throw BuildError.invalidFlag("--cache-max", cacheMax, hint: "give a size such as 500M, 10G or 2GiB (0 keeps only the layers of the latest build)")
            }
        }
        if let cacheDir {
            guard !cacheDir.isEmpty else { throw BuildError.invalidFlag("--cache-dir", cacheDir, hint: "give a directory, or --no-cache") }
            let absolute = cacheDir.hasPrefix("/") ? cacheDir
                : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(cacheDir)
            return (try LayerCache(directory: absolute, maxBytes: maxBytes), nil)
        }
        guard let directory = LayerCache.defaultDirectory(environment: environment) else {
            return (nil, "no cache directory (neither XDG_CACHE_HOME nor HOME is set); building without the layer cache (--cache-dir sets one)")
        }
        do { return (try LayerCache(directory: directory, maxBytes: maxBytes), nil) } catch {
            return (nil, "\(error); building without it")
        }
    }
}
