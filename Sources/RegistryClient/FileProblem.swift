import Foundation

/// Readable reasons for file-system errors. On Linux, Foundation's `localizedDescription` is often
/// "The operation could not be completed. (NSCocoaErrorDomain error 512.)", which tells a user nothing.
public enum FileProblem {
    /// The system's text for the underlying errno when there is one, else a plain sentence for the
    /// Cocoa error code, else Foundation's own description.
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        guard ns.domain == NSCocoaErrorDomain else { return ns.localizedDescription }
        switch ns.code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return "no such file or directory"
        case CocoaError.fileWriteNoPermission.rawValue, CocoaError.fileReadNoPermission.rawValue: return "permission denied"
        case CocoaError.fileWriteOutOfSpace.rawValue: return "no space left on the device"
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return "the file system is read-only"
        case CocoaError.fileWriteFileExists.rawValue: return "a file is in the way"
        default: return "the file or directory cannot be created or written there (is a file in the way?)"
        }
    }
}
