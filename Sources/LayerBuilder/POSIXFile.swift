#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Size of the buffers used to stream file contents; large enough to keep syscall overhead low,
/// small enough that no layer build holds more than a few MiB in memory.
let streamChunkSize = 1 << 20

/// The text of the current `errno`, for error messages.
func errnoDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// A file descriptor that closes itself. A class so that the descriptor has one owner and is
/// closed exactly once, even when an error unwinds the stack.
final class POSIXFile {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws -> POSIXFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw LayerBuilderError.io(operation: "open", path: path, reason: errnoDescription())
        }
        return POSIXFile(fd: fd, path: path)
    }

    /// Creates a new file for writing; fails if it already exists (temp names must be fresh).
    static func createExclusive(_ path: String, mode: mode_t = 0o644) throws -> POSIXFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw LayerBuilderError.io(operation: "create", path: path, reason: errnoDescription())
        }
        return POSIXFile(fd: fd, path: path)
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file. Retries on EINTR.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = sysRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw LayerBuilderError.io(operation: "read", path: path, reason: errnoDescription())
        }
    }

    /// Writes all of `bytes`, handling short writes and EINTR.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = sysWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw LayerBuilderError.io(operation: "write", path: path, reason: errnoDescription())
            }
            offset += n
        }
    }

    /// `fstat` of the open descriptor.
    func status() throws -> stat {
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw LayerBuilderError.io(operation: "stat", path: path, reason: errnoDescription())
        }
        return st
    }
}

// Free functions so the calls inside `POSIXFile` do not resolve to its own `read`/`write` methods.
private func sysRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }
private func sysWrite(_ fd: Int32, _ p: UnsafeRawPointer?, _ n: Int) -> Int { write(fd, p, n) }

/// True when `st` describes a regular file.
func isRegularFile(_ st: stat) -> Bool { (st.st_mode & S_IFMT) == S_IFREG }
