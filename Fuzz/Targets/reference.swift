// libFuzzer target: image reference parsing (`ImageReference(parsing:)`).
// Compiled into the OCIModel sources by Fuzz/run.sh, so it sees the module's internals.
//
// Beyond "does not crash", it checks the parser's contract: whatever parses prints a canonical
// form that parses back to the same reference, and the canonical form is a fixed point.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReference(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let ref = try? ImageReference(parsing: text) else { return 0 }
    let canonical = ref.description
    guard let again = try? ImageReference(parsing: canonical) else {
        fatalError("'\(text)' parses, but its canonical form '\(canonical)' does not")
    }
    guard again == ref, again.description == canonical else {
        fatalError("'\(text)' -> '\(canonical)' -> '\(again)': the canonical form is not stable")
    }
    _ = ref.apiHost
    _ = ref.host
    _ = ref.isLoopback
    return 0
}
