/// Secrets must not leak through `debugPrint`, `String(reflecting:)` or `dump` either: those use
/// `debugDescription` and the mirror, which for an enum would otherwise list the payload.
extension Credential: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }

    public var customMirror: Mirror {
        switch self {
        case let .basic(username, _): return Mirror(self, children: ["username": username, "password": "<redacted>"])
        case .bearer: return Mirror(self, children: ["token": "<redacted>"])
        case .identityToken: return Mirror(self, children: ["identityToken": "<redacted>"])
        }
    }
}
