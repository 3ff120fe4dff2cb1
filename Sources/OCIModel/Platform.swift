/// The platform of an image: the `platform` object of an index entry, and the matching config fields.
///
/// The JSON keys are exactly `os.version` and `os.features` (image-index.md); Windows hosts choose an
/// index entry by `os.version`, so losing it breaks pulls on Windows nodes.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?
    /// Full version, e.g. `10.0.20348.2700`; nil for Linux.
    public var osVersion: String?
    /// For example `["win32k"]` for Server Core.
    public var osFeatures: [String]?

    public init(os: String, architecture: String, variant: String? = nil,
                osVersion: String? = nil, osFeatures: [String]? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
    }

    enum CodingKeys: String, CodingKey {
        case os, architecture, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// `os/arch[/variant]`, plus `:os.version` when present.
    public var description: String {
        var s = "\(os)/\(architecture)"
        if let variant { s += "/\(variant)" }
        if let osVersion { s += ":\(osVersion)" }
        return s
    }

    /// `os/arch[/variant]` without the version.
    public var osArchVariant: String {
        var s = "\(os)/\(architecture)"
        if let variant { s += "/\(variant)" }
        return s
    }

    public var isWindows: Bool { os == "windows" }
}
