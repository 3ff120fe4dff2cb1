// libFuzzer target: `WWW-Authenticate` parsing (`AuthChallenge.parse`).
// Compiled with RegistryClient's Challenge.swift by Fuzz/run.sh.
//
// The header comes from any registry (or anything pretending to be one), so the parser must
// never trap; it also must not invent challenges: every scheme it returns is a token that
// occurs in the header.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChallenge(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Several header values in one input: split on newlines as a response repeating the header would.
    let headers = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let challenges = AuthChallenge.parse(headers: headers)
    let lowered = text.lowercased()
    for challenge in challenges {
        guard !challenge.scheme.isEmpty, lowered.contains(challenge.scheme) else {
            fatalError("scheme '\(challenge.scheme)' does not occur in '\(text)'")
        }
        _ = challenge.description
        _ = challenge["realm"]
    }
    return 0
}
