// libFuzzer target: the layer reader (`LayerReader.entries(ofLayerAt:)`: the streaming
// ustar/PAX/GNU reader behind it, with gzip detection). Compiled with the LayerBuilder sources
// it needs by Fuzz/run.sh.
//
// Layers come from base images pulled off registries, so arbitrary bytes must give an error,
// never a trap or an allocation sized by a header field.

#if canImport(Glibc)
import Glibc
#endif

/// One scratch file per process: the reader takes a path.
private let scratchPath: String = {
    let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    return "\(dir)/winimg-fuzz-tar-\(getpid()).tar"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let fd = open(scratchPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { fatalError("cannot write \(scratchPath)") }
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        guard n > 0 else { fatalError("cannot write \(scratchPath)") }
        written += n
    }
    close(fd)
    if let entries = try? LayerReader.entries(ofLayerAt: scratchPath) {
        for entry in entries where entry.isRegularFile {
            _ = try? LayerReader.fileContents(entry.name, inLayerAt: scratchPath)
            break
        }
    }
    return 0
}
