import AsyncHTTPClient
import Foundation
import LayerBuilder
import NIOCore
import NIOHTTP1
import OCIModel

extension RegistryClient {
    /// `HEAD /v2/<name>/blobs/<digest>`: true on 200, false on 404.
    ///
    /// Counts a hit in `stats.blobsSkipped`, because callers ask this to skip uploads.
    public func blobExists(repository: String, digest: Digest) async throws -> Bool {
        let url = try await apiURL("/v2/\(repository)/blobs/\(digest)")
        let response = try await send(.HEAD, url, scopes: [Scope.pull(repository)], followRedirects: true)
        switch response.status.code {
        case 200:
            await Self.drain(response)
            stats.blobsSkipped += 1
            return true
        case 404:
            await Self.drain(response)
            return false
        default:
            throw await failure(response, .HEAD, url)
        }
    }

    /// `GET` a small blob (a config) into memory, verifying its digest and refusing more than `maxSize`.
    public func blobData(repository: String, digest: Digest, maxSize: Int64) async throws -> Data {
        try digest.requireVerifiable()
        let url = try await apiURL("/v2/\(repository)/blobs/\(digest)")
        let response = try await send(.GET, url, scopes: [Scope.pull(repository)], followRedirects: true)
        guard response.status == .ok else { throw await failure(response, .GET, url) }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int64.init), length > maxSize {
            throw RegistryError.tooLarge(limit: maxSize, context: "blob \(digest) (\(length) bytes)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: Int(maxSize))
        } catch is NIOTooManyBytesError {
            throw RegistryError.tooLarge(limit: maxSize, context: "blob \(digest)")
        }
        let data = Data(buffer: buffer)
        stats.bytesDownloaded += Int64(data.count)
        let actual = SHA256Digest.of(data)
        guard actual == digest else {
            throw RegistryError.digestMismatch(expected: digest, actual: actual, context: "blob from \(host)/\(repository)")
        }
        return data
    }

    /// Streams a blob to `path`: written to a temp file beside it while hashing, renamed into place
    /// only when the digest matches. Redirects (object storage) are followed without Authorization.
    /// - Returns: the number of bytes written.
    @discardableResult
    public func downloadBlob(repository: String, digest: Digest, to path: String) async throws -> Int64 {
        try digest.requireVerifiable()
        let url = try await apiURL("/v2/\(repository)/blobs/\(digest)")
        let response = try await send(.GET, url, scopes: [Scope.pull(repository)], followRedirects: true, longTransfer: true)
        guard response.status == .ok else { throw await failure(response, .GET, url) }
        let size = try await Self.streamToFile(response.body, path: path, digest: digest,
                                               context: "blob from \(host)/\(repository)")
        if let length = response.headers.first(name: "Content-Length").flatMap(Int64.init), length != size {
            FileOps.remove(path)
            throw RegistryError.sizeMismatch(expected: length, actual: size, context: "blob \(digest)")
        }
        stats.bytesDownloaded += size
        return size
    }

    // Off the actor: hashing and writing a large layer must not block other requests of this client.
    @concurrent
    nonisolated static func streamToFile(_ body: HTTPClientResponse.Body, path: String, digest: Digest,
                                         context: String) async throws -> Int64 {
        try await VerifyingFileWriter.write(body, to: path, expected: digest, context: context)
    }

    /// `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`: true when the registry mounted the
    /// blob (201). On 202 the registry opened an upload session instead; it is left to expire and
    /// false is returned so the caller uploads.
    public func mountBlob(repository: String, digest: Digest, from source: String) async throws -> Bool {
        let path = "/v2/\(repository)/blobs/uploads/?mount=\(Self.queryValue(digest.description))&from=\(Self.queryValue(source))"
        let url = try await apiURL(path)
        // Distribution needs pull on the source as well as push on the target, or it answers 202.
        let response = try await send(.POST, url,
                                      scopes: [Scope.push(repository), Scope.pull(source)])
        switch response.status.code {
        case 201:
            await Self.drain(response)
            stats.blobsMounted += 1
            return true
        case 202:
            await Self.drain(response)
            return false
        default:
            throw await failure(response, .POST, url)
        }
    }

    /// Uploads a blob from a file: `POST uploads/`, then one monolithic `PUT <location>?digest=`,
    /// the body streamed from the file with a known `Content-Length`.
    public func uploadBlob(repository: String, digest: Digest, size: Int64, fromFile path: String) async throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let actual = (attributes?[.size] as? NSNumber)?.int64Value else {
            throw RegistryError.io(path: path, reason: "cannot read file size")
        }
        guard actual == size else {
            throw RegistryError.sizeMismatch(expected: size, actual: actual, context: "blob \(digest) file \(path)")
        }
        try await upload(repository: repository, digest: digest, body: .file(path: path, size: size), size: size)
    }

    /// Uploads a small in-memory blob (a config), the same way as the file variant.
    public func uploadBlob(repository: String, digest: Digest, data: Data) async throws {
        let actual = SHA256Digest.of(data)
        guard actual == digest else {
            throw RegistryError.digestMismatch(expected: digest, actual: actual, context: "blob to upload")
        }
        try await upload(repository: repository, digest: digest, body: .data(data), size: Int64(data.count))
    }

    private func upload(repository: String, digest: Digest, body: Body, size: Int64) async throws {
        let scopes = [Scope.push(repository)]
        let startURL = try await apiURL("/v2/\(repository)/blobs/uploads/")
        let start = try await send(.POST, startURL, scopes: scopes)
        guard start.status.code == 202 else { throw await failure(start, .POST, startURL) }
        await Self.drain(start)
        guard let location = start.headers.first(name: "Location"),
              let sessionURL = Self.resolve(location, against: startURL) else {
            let (h, p) = Self.display(startURL)
            throw RegistryError.invalidResponse(method: "POST", host: h, path: p, reason: "202 without a usable Location header")
        }
        // The Location is used as given (it may carry state such as `_state`); only digest is added.
        let putURL = Self.appendingQuery(sessionURL, "digest", digest.description)
        // AsyncHTTPClient sets Content-Length from the known body length.
        let headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        let response = try await send(.PUT, putURL, headers: headers, body: body, scopes: scopes, longTransfer: true)
        guard response.status.code == 201 else { throw await failure(response, .PUT, putURL) }
        await Self.drain(response)
        if let returned = response.headers.first(name: "Docker-Content-Digest"), returned != digest.description {
            let (h, p) = Self.display(putURL)
            throw RegistryError.invalidResponse(method: "PUT", host: h, path: p,
                                                reason: "registry stored \(returned), expected \(digest)")
        }
        stats.blobsUploaded += 1
        stats.bytesUploaded += size
    }
}
