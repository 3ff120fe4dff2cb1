// libFuzzer target: platform parsing (`PlatformSpec(parsing:)`, `WindowsVersion(parsing:)`).
// Compiled into the OCIModel sources by Fuzz/run.sh.
//
// Checks that whatever parses prints a description that parses back to the same target
// (same OS, architecture, variant and Windows build), which is what `--platform` round trips rely on.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlatform(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let version = try? WindowsVersion(parsing: text) {
        guard let again = try? WindowsVersion(parsing: version.description), again == version else {
            fatalError("Windows version '\(text)' prints as '\(version)', which does not parse back to it")
        }
    }
    guard let spec = try? PlatformSpec(parsing: text) else { return 0 }
    let printed = spec.description
    guard let again = try? PlatformSpec(parsing: printed) else {
        fatalError("'\(text)' parses, but its description '\(printed)' does not")
    }
    guard again.os == spec.os, again.architecture == spec.architecture, again.variant == spec.variant,
          again.windowsBuild == spec.windowsBuild else {
        fatalError("'\(text)' -> '\(printed)' -> '\(again)': the description names another platform")
    }
    _ = spec.release
    let platform = Platform(os: spec.os, architecture: spec.architecture, variant: spec.variant,
                            osVersion: spec.windowsBuild.map { "10.0.\($0).1" })
    guard spec.matches(platform) else {
        fatalError("'\(text)' does not match the platform it describes (\(platform))")
    }
    return 0
}
