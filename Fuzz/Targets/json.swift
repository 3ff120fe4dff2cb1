// libFuzzer target: the JSON reader and the manifest / index / config decoders
// (`JSONValue(parsing:)`, `ImageManifest(data:)`, `ImageIndex(data:)`, `ImageConfig(data:)`).
// Compiled into the OCIModel sources by Fuzz/run.sh.
//
// These decode what registries and OCI layouts serve, so they must reject bad input with an
// error, never trap. Checks also that a parsed value serialises to JSON that parses to the same value.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let value = try? JSONValue(parsing: bytes) {
        let printed = value.serialized()
        guard let again = try? JSONValue(parsing: printed) else {
            fatalError("parsed JSON serialises to text that does not parse: \(String(decoding: printed, as: UTF8.self))")
        }
        guard again == value else {
            fatalError("JSON changes in a serialise/parse round trip: \(String(decoding: printed, as: UTF8.self))")
        }
    }
    let blob = Data(bytes)
    if let manifest = try? ImageManifest(data: blob) {
        _ = try? ImageManifest(data: manifest.encoded())
    }
    if let index = try? ImageIndex(data: blob) {
        _ = try? ImageIndex(data: index.encoded())
    }
    if let config = try? ImageConfig(data: blob) {
        _ = try? ImageConfig(data: config.encoded())
    }
    return 0
}
