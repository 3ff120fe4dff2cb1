import Foundation
@testable import OCIModel

/// Documents shaped like real base images (windows-format.md §2.1–2.2), with fields we do not model.
enum Fixtures {
    static func digest(_ byte: String) -> String { "sha256:" + String(repeating: byte, count: 64 / byte.count) }

    /// A Docker v2 manifest of a pre-2023 nanoserver image: a foreign base layer with `urls`, plus
    /// unknown keys at several levels that must survive patching.
    static let windowsManifest = #"""
    {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1721,"digest":"\#(digest("b"))"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":101145811,"digest":"\#(digest("a"))","urls":["https://mcr.microsoft.com/v2/windows/nanoserver/blobs/\#(digest("a"))"],"x-vendor":{"n":1e0}},{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1669,"digest":"\#(digest("c"))","annotations":{"z":"1","a":"2"}}],"x-top":[true,null,-0]}
    """#

    /// A Windows Server Core config: `os.version`, `os.features`, Windows env, unknown keys.
    static let windowsConfig = #"""
    {"architecture":"amd64","os":"windows","os.version":"10.0.20348.473","os.features":["win32k"],"created":"2022-01-16T05:17:24.6000452Z","config":{"Env":["Path=C:\\Windows\\system32;C:\\Windows;","ComputerName=x"],"Cmd":["c:\\windows\\system32\\cmd.exe"],"Shell":["cmd","/S","/C"],"ArgsEscaped":true},"rootfs":{"type":"layers","diff_ids":["\#(digest("1"))","\#(digest("2"))"]},"history":[{"created":"2021-05-08T09:40:24.683Z","created_by":"Apply image 2022-RTM-amd64"},{"created":"2022-01-16T05:17:24.6000452Z","created_by":"Install update ltsc2022-amd64"}],"x-unknown":{"keep":12345678901234567890}}
    """#

    static func descriptor(_ mediaType: String, _ byte: String, size: Int64, platform: Platform? = nil) throws -> Descriptor {
        Descriptor(mediaType: mediaType, digest: try Digest(digest(byte)), size: size, platform: platform)
    }
}
