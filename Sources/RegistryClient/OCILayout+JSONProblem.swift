import Foundation

extension OCILayout {
    /// A short, readable account of why `JSONDecoder` refused a layout file: "not valid JSON" or the
    /// key path of the unexpected value, never Swift's `DecodingError` dump.
    static func jsonProblem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        let context: DecodingError.Context
        switch error {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
            context = c
        @unknown default:
            return "not valid JSON"
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        if case .dataCorrupted = error, path.isEmpty { return "not valid JSON" }
        if case let .keyNotFound(key, _) = error {
            return "'\(path.isEmpty ? key.stringValue : path + "." + key.stringValue)' is missing"
        }
        return path.isEmpty ? "not a JSON object" : "unexpected value at '\(path)'"
    }
}
