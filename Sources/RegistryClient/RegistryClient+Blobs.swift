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
        // The body streams outside `send`, so a connection cut mid-layer is retried here, from the
        // start into a fresh temporary file (the verifying writer leaves nothing behind on failure).
        return try await withRetries("download \(digest.short)", idempotent: true) {
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
    }

    // Off the actor: hashing and writing a large layer must not block other requests of this client.
    @concurrent
    nonisolated static func streamToFile(_ body: HTTPClientResponse.Body, path: String, digest: Digest,
                                         context: String) async throws -> Int64 {
        try await VerifyingFileWriter.write(body, to: path, expected: digest, context: context)
    }

    /// Cross-repository mount from one source; see `mountBlob(repository:digest:fromAny:)`.
    public func mountBlob(repository: String, digest: Digest, from source: String) async throws -> Bool {
        try await mountBlob(repository: repository, digest: digest, fromAny: [source])
    }

    /// `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>` for each candidate in order,
    /// until one mounts (201). Returns false when none did, so the caller uploads.
    ///
    /// A candidate that cannot serve the blob answers 202 (distribution opens a plain upload
    /// session), 401 (Harbor, for a source repository that does not exist), 403 or 404; we go on
    /// to the next. The sessions 202 opens are cancelled with `DELETE` here, since this call cannot
    /// hand them on; `pushBlob` instead uploads into the last one.
    public func mountBlob(repository: String, digest: Digest, fromAny sources: [String]) async throws -> Bool {
        for source in Self.mountCandidates(sources, target: repository) {
            switch try await attemptMount(repository: repository, digest: digest, from: source) {
            case .mounted:
                return true
            case let .sessionOpened(session):
                await abandon(session, scopes: [Scope.push(repository)])
            case .refused:
                continue
            }
        }
        return false
    }

    /// What a blob push did.
    public enum BlobPushResult: Sendable, Equatable {
        /// The registry already had the blob in this repository.
        case alreadyPresent
        /// Mounted from the named repository of the same registry.
        case mounted(from: String)
        /// Uploaded from the file.
        case uploaded
    }

    /// Makes a blob present in `repository` as cheaply as possible: `HEAD`, then a mount from each
    /// of `mountFrom` in order, then an upload from `path`. When a mount attempt answered 202 the
    /// upload continues in that session rather than POSTing another.
    public func pushBlob(repository: String, digest: Digest, size: Int64, fromFile path: String,
                         mountFrom sources: [String] = []) async throws -> BlobPushResult {
        try Self.checkFileSize(path, size: size, digest: digest)
        if try await blobExists(repository: repository, digest: digest) { return .alreadyPresent }
        var session: UploadSession?
        for source in Self.mountCandidates(sources, target: repository) {
            let outcome: MountOutcome
            do {
                outcome = try await attemptMount(repository: repository, digest: digest, from: source)
            } catch {
                if let session { await abandon(session, scopes: [Scope.push(repository)]) }
                throw error
            }
            switch outcome {
            case .mounted:
                if let session { await abandon(session, scopes: [Scope.push(repository)]) }
                return .mounted(from: source)
            case let .sessionOpened(opened):
                // Keep only the newest session; an older one would just linger.
                if let session { await abandon(session, scopes: [Scope.push(repository)]) }
                session = opened
            case .refused:
                continue
            }
        }
        try await uploadContents(repository: repository, digest: digest, source: .file(path: path), size: size, session: session)
        return .uploaded
    }

    /// How one mount attempt ended.
    enum MountOutcome: Sendable, Equatable {
        case mounted
        /// 202: no mount, but an upload session the caller must use or cancel.
        case sessionOpened(UploadSession)
        /// 401/403/404: this source cannot serve it.
        case refused
    }

    /// Candidates in order, without duplicates or the target itself (nothing to mount from there).
    static func mountCandidates(_ sources: [String], target: String) -> [String] {
        var seen: Set<String> = [target]
        return sources.filter { seen.insert($0).inserted }
    }

    /// One `POST ?mount=&from=` with both scopes: distribution answers 202 unless the token also
    /// grants pull on the source, not only push on the target.
    func attemptMount(repository: String, digest: Digest, from source: String) async throws -> MountOutcome {
        let path = "/v2/\(repository)/blobs/uploads/?mount=\(Self.queryValue(digest.description))&from=\(Self.queryValue(source))"
        let url = try await apiURL(path)
        let response = try await send(.POST, url, scopes: [Scope.push(repository), Scope.pull(source)])
        switch response.status.code {
        case 201:
            await Self.drain(response)
            if let stored = response.headers.first(name: "Docker-Content-Digest"), stored != digest.description {
                let (h, p) = Self.display(url)
                throw RegistryError.invalidResponse(method: "POST", host: h, path: p,
                                                    reason: "mount produced \(stored), expected \(digest)")
            }
            stats.blobsMounted += 1
            return .mounted
        case 202:
            await Self.drain(response)
            // A 202 without a Location is useless as a session, but it still means "not mounted".
            return Self.session(from: response, requestURL: url).map { .sessionOpened($0) } ?? .refused
        case 401, 403, 404:
            await Self.drain(response)
            return .refused
        default:
            throw await failure(response, .POST, url)
        }
    }

    /// Uploads a blob from a file, streamed and never held in memory: by default `POST` then one
    /// monolithic `PUT <location>?digest=`; in `PATCH` chunks when `options.chunkSize` is set or the
    /// registry answered 413 to a monolithic PUT before. Broken connections resume where the
    /// registry stands (a bounded number of times).
    public func uploadBlob(repository: String, digest: Digest, size: Int64, fromFile path: String,
                           progress: UploadReporter? = nil) async throws {
        try Self.checkFileSize(path, size: size, digest: digest)
        try await uploadContents(repository: repository, digest: digest, source: .file(path: path, progress: progress), size: size)
    }

    /// Uploads a small in-memory blob (a config), the same way as the file variant.
    public func uploadBlob(repository: String, digest: Digest, data: Data) async throws {
        let actual = SHA256Digest.of(data)
        guard actual == digest else {
            throw RegistryError.digestMismatch(expected: digest, actual: actual, context: "blob to upload")
        }
        try await uploadContents(repository: repository, digest: digest, source: .data(data), size: Int64(data.count))
    }

    /// Refuses a file whose size is not the one the caller announced, before anything is sent.
    static func checkFileSize(_ path: String, size: Int64, digest: Digest) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let actual = (attributes?[.size] as? NSNumber)?.int64Value else {
            throw RegistryError.io(path: path, reason: "cannot read file size")
        }
        guard actual == size else {
            throw RegistryError.sizeMismatch(expected: size, actual: actual, context: "blob \(digest) file \(path)")
        }
    }
}
