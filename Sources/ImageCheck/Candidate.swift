import OCIModel

/// One entry of an index (or the single manifest of a plain image), as containerd sees it when choosing.
public struct Candidate: Sendable, Hashable {
    /// The entry's `platform`; nil when the index entry has none.
    public var platform: Platform?
    /// The manifest digest, for reports.
    public var digest: Digest?
    /// The platform in the image's config, when known. containerd chooses by `platform` alone; the config
    /// (`os.version` in particular) tells what the host will actually be asked to start.
    public var configPlatform: Platform?

    public init(platform: Platform?, digest: Digest? = nil, configPlatform: Platform? = nil) {
        self.platform = platform
        self.digest = digest
        self.configPlatform = configPlatform
    }
}

/// Whether one entry is a candidate for a host, and why.
public struct EntryDecision: Sendable, Hashable, Encodable {
    /// Position of the entry in the index, from 0.
    public var position: Int
    public var platform: Platform?
    public var digest: Digest?
    /// True when containerd keeps the entry as a match for the host.
    public var accepted: Bool
    public var reason: String

    /// `#1 windows/amd64:10.0.20348.2762`, for messages.
    public var label: String { "#\(position) \(platform?.description ?? "(no platform)")" }
}

/// What containerd does with an index on one host.
public struct Selection: Sendable, Hashable, Encodable {
    public var host: Host
    /// Every entry in document order.
    public var decisions: [EntryDecision]
    /// Positions of the accepted entries in containerd's order of preference; the first is pulled.
    public var order: [Int]
    /// A warning about the choice, e.g. that string ordering of `os.version` picked an older revision.
    public var caveat: String?

    /// The entry containerd pulls, if any.
    public var chosen: EntryDecision? { order.first.map { decisions[$0] } }

    enum CodingKeys: String, CodingKey { case host, chosen, order, caveat, decisions }

    /// Includes `chosen` (the position pulled, absent when none) so scripts need not read `order`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(host, forKey: .host)
        try c.encodeIfPresent(order.first, forKey: .chosen)
        try c.encode(order, forKey: .order)
        try c.encodeIfPresent(caveat, forKey: .caveat)
        try c.encode(decisions, forKey: .decisions)
    }
}
