import AsyncHTTPClient
import OCIModel
import RegistryClient

/// One `RegistryClient` per registry host for the whole build, sharing one HTTP client, so tokens
/// and connections are reused across bases and destinations.
public actor RegistryPool {
    private let http: HTTPClient
    private var options: RegistryOptions
    private var clients: [String: RegistryClient] = [:]

    public init(options: RegistryOptions) {
        self.options = options
        self.http = RegistryClient.makeHTTPClient(options: options)
    }

    /// The client for `host` (as written in references, e.g. `localhost:5000`, `docker.io`).
    public func client(for reference: ImageReference) -> RegistryClient {
        let host = reference.apiHost
        if let c = clients[host] { return c }
        let c = RegistryClient(host: host, options: options, httpClient: http)
        clients[host] = c
        return c
    }

    /// Request and byte counts summed over every registry used.
    public func stats() async -> TransferStats {
        var total = TransferStats()
        for c in clients.values { total.add(await c.stats) }
        return total
    }

    public func shutdown() async {
        for c in clients.values { try? await c.shutdown() }
        try? await http.shutdown()
    }
}

extension TransferStats {
    mutating func add(_ o: TransferStats) {
        requests += o.requests
        bytesUploaded += o.bytesUploaded
        bytesDownloaded += o.bytesDownloaded
        blobsSkipped += o.blobsSkipped
        blobsMounted += o.blobsMounted
        blobsUploaded += o.blobsUploaded
        manifestsPushed += o.manifestsPushed
    }
}
