import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCIModel

/// The blob upload state machine: POST a session, send the bytes (one streamed PUT, or PATCH chunks),
/// commit with `PUT <location>?digest=`, and recover from interruptions without replaying bytes on a
/// session that already has them.
extension RegistryClient {
    /// Resumes plus new sessions one blob upload may use after interruptions before giving up.
    static let maxUploadRecoveries = 3

    /// Why an upload attempt stopped short, deciding between resuming and a new session.
    enum UploadSetback: Error {
        /// The connection broke, or the registry refused our range (416): ask it where it stands.
        /// `committing` when it happened on the closing PUT, which may have succeeded.
        case interrupted(RegistryError, committing: Bool)
        /// The session is gone or unusable (404, `BLOB_UPLOAD_UNKNOWN`/`BLOB_UPLOAD_INVALID`).
        case sessionLost(RegistryError)
        /// The registry or a proxy refused a monolithic PUT as too large (413).
        case monolithicTooLarge(RegistryError)
    }

    /// Whether uploads go in PATCH chunks: configured, or learnt from a 413.
    var usesChunkedUpload: Bool { options.chunkSize != nil || uploadPolicy.monolithicRefused }

    /// Uploads `size` bytes from `source` as blob `digest`, optionally continuing `initial` (a
    /// session opened by a mount attempt, or one a test hands in) instead of POSTing a new one.
    ///
    /// On failure or cancellation the current session is cancelled (best effort `DELETE`), so no
    /// session lingers on the registry.
    func uploadContents(repository: String, digest: Digest, source: BlobSource, size: Int64,
                        session initial: UploadSession? = nil) async throws {
        let scopes = [Scope.push(repository)]
        var session = initial
        var recoveries = 0
        do {
            attempts: while true {
                if session == nil { session = try await openUpload(repository: repository) }
                let chunked = usesChunkedUpload
                do {
                    if chunked {
                        try await sendChunks(&session!, source: source, size: size, scopes: scopes)
                        try await commit(session!, digest: digest, body: nil, scopes: scopes)
                    } else {
                        try await commit(session!, digest: digest, body: source.body(offset: 0, length: size, total: size),
                                         scopes: scopes)
                    }
                    break attempts
                } catch let setback as UploadSetback {
                    if Task.isCancelled { throw CancellationError() }
                    if case .monolithicTooLarge = setback {
                        // Not a recovery: the registry told us how it wants the bytes. Remember it for
                        // every later upload of this client, and start over in chunks.
                        uploadPolicy.monolithicRefused = true
                        await abandon(session!, scopes: scopes)
                        session = nil
                        continue
                    }
                    recoveries += 1
                    guard recoveries <= Self.maxUploadRecoveries else {
                        throw Self.annotate(setback.error, "gave up after \(Self.maxUploadRecoveries) resumed or restarted attempts")
                    }
                    if case .interrupted(_, committing: true) = setback,
                       await blobPresent(repository: repository, digest: digest) {
                        break attempts   // the commit went through; only its answer was lost
                    }
                    if chunked, case .interrupted = setback,
                       let resumed = try await resumePoint(session!, scopes: scopes) {
                        session = resumed
                        continue
                    }
                    // Lost, not resumable, or a broken monolithic PUT: never replay on the same URL.
                    await abandon(session!, scopes: scopes)
                    session = nil
                }
            }
        } catch {
            if let session { await abandon(session, scopes: scopes) }
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        stats.blobsUploaded += 1
        stats.bytesUploaded += size
    }

    /// `POST /v2/<name>/blobs/uploads/` → 202 and a session.
    func openUpload(repository: String) async throws -> UploadSession {
        let url = try await apiURL("/v2/\(repository)/blobs/uploads/")
        let response = try await send(.POST, url, scopes: [Scope.push(repository)])
        guard response.status.code == 202 else { throw await failure(response, .POST, url) }
        await Self.drain(response)
        guard let session = Self.session(from: response, requestURL: url) else {
            let (h, p) = Self.display(url)
            throw RegistryError.invalidResponse(method: "POST", host: h, path: p, reason: "202 without a usable Location header")
        }
        return session
    }

    /// The session a 202 (POST or mount) announces, or nil without a usable `Location`.
    static func session(from response: HTTPClientResponse, requestURL: String) -> UploadSession? {
        guard let location = response.headers.first(name: "Location"),
              let url = resolve(location, against: requestURL) else { return nil }
        return UploadSession(url: url, minimumChunk: ChunkPolicy.minimumLength(response.headers.first(name: "OCI-Chunk-Min-Length")))
    }

    /// PATCHes the rest of the blob from `session.offset`, advancing the session after each chunk.
    func sendChunks(_ session: inout UploadSession, source: BlobSource, size: Int64, scopes: [String]) async throws {
        let chunk = ChunkPolicy.chunkSize(configured: options.chunkSize, registryMinimum: session.minimumChunk)
        while session.offset < size {
            let offset = session.offset
            let length = min(chunk, size - offset)
            let headers: HTTPHeaders = [
                "Content-Type": "application/octet-stream",
                "Content-Range": ChunkPolicy.contentRange(offset: offset, length: length),
            ]
            session.sent = max(session.sent, offset + length)
            let response: HTTPClientResponse
            do {
                response = try await send(.PATCH, session.url, headers: headers,
                                          body: source.body(offset: offset, length: length, total: size),
                                          scopes: scopes, longTransfer: true)
            } catch let error as RegistryError {
                guard Self.interruptsUpload(error) else { throw error }
                throw UploadSetback.interrupted(error, committing: false)
            }
            switch response.status.code {
            case 201, 202, 204:   // 202 per spec, 201 from ECR, 204 from old GCR
                await Self.drain(response)
                if let next = response.headers.first(name: "Location").flatMap({ Self.resolve($0, against: session.url) }) {
                    session.url = next
                }
                // Our own count, not the answer's `Range`: 2.8 ignores Content-Range and ECR's Range
                // lags behind. The digest check at the commit catches any disagreement.
                session.offset = offset + length
            case 413:
                let error = await failure(response, .PATCH, session.url)
                throw Self.annotate(error, "a \(length)-byte chunk is too large for this registry; set a smaller chunk size")
            default:
                throw await setback(response, .PATCH, session.url)
            }
        }
    }

    /// `PUT <location>?digest=`: with the whole blob (monolithic) or empty after the chunks.
    func commit(_ session: UploadSession, digest: Digest, body: Body?, scopes: [String]) async throws {
        try await prepareCommitAuthorization(scopes: scopes)
        let url = Self.appendingQuery(session.url, "digest", digest.description)
        let response: HTTPClientResponse
        do {
            // Not replayed by `send` on the same URL: after a lost or failed commit the blob may be
            // stored already, or the session spent; the recovery below checks (HEAD) and, if needed,
            // starts a new session, which a plain repeat of the PUT cannot do.
            response = try await send(.PUT, url, headers: ["Content-Type": "application/octet-stream"], body: body,
                                      scopes: scopes, longTransfer: true, replayable: false)
        } catch let error as RegistryError {
            guard Self.interruptsUpload(error) else { throw error }
            throw UploadSetback.interrupted(error, committing: true)
        }
        switch response.status.code {
        case 201:
            await Self.drain(response)
            if let stored = response.headers.first(name: "Docker-Content-Digest"), stored != digest.description {
                let (h, p) = Self.display(url)
                throw RegistryError.invalidResponse(method: "PUT", host: h, path: p, reason: "registry stored \(stored), expected \(digest)")
            }
        case 413 where body != nil:
            throw UploadSetback.monolithicTooLarge(await failure(response, .PUT, url))
        default:
            throw await setback(response, .PUT, url)
        }
    }

    /// AUTH HOOK — the single place the commit PUT gets its credentials refreshed. Tokens often live
    /// 5 minutes and a long upload dies at the commit (moby#33558). The authentication owner replaces
    /// this body with their refresh call; until then a cached token about to expire is dropped, so
    /// `send` fetches a fresh one for the PUT.
    func prepareCommitAuthorization(scopes: [String]) async throws {
        try await freshAuthorization(for: scopes, validFor: 30)
    }

    /// Classifies an unexpected PATCH/PUT answer: 416 asks for a status check, a lost session for a
    /// new one, anything else ends the upload.
    func setback(_ response: HTTPClientResponse, _ method: HTTPMethod, _ url: String) async -> Error {
        let error = await failure(response, method, url)
        if error.status == 416 { return UploadSetback.interrupted(error, committing: false) }
        // A transient answer to the commit or a chunk: recover (HEAD, resume or a new session).
        if Self.interruptsUpload(error) { return UploadSetback.interrupted(error, committing: method == .PUT) }
        if error.status == 404 || Self.isLostSession(error) { return UploadSetback.sessionLost(error) }
        return error
    }

    /// A broken connection or a transient status (5xx, 429, …) on a PATCH or the commit: the upload
    /// is resumed or restarted by the recovery loop rather than failed.
    static func interruptsUpload(_ error: RegistryError) -> Bool {
        switch error {
        case .connectionFailed: return true
        case let .http(status, _, _, _, _, _, _): return RetryPolicy.transientStatuses.contains(status)
        default: return false
        }
    }

    static func isLostSession(_ error: RegistryError) -> Bool {
        error.registryCodes.contains { $0 == "BLOB_UPLOAD_UNKNOWN" || $0 == "BLOB_UPLOAD_INVALID" }
    }

    /// `GET <location>` (upload status): where to continue on the same session, or nil when it must
    /// be replaced (gone, or a `Range` we cannot trust — see `ChunkPolicy.resumeOffset`).
    func resumePoint(_ session: UploadSession, scopes: [String]) async throws -> UploadSession? {
        let response = try await send(.GET, session.url, scopes: scopes)
        switch response.status.code {
        case 200, 204:
            await Self.drain(response)
            guard let stored = ChunkPolicy.storedLengths(range: response.headers.first(name: "Range")),
                  let offset = ChunkPolicy.resumeOffset(stored: stored, confirmed: session.offset, sent: session.sent) else {
                return nil
            }
            var next = session
            next.offset = offset
            if let url = response.headers.first(name: "Location").flatMap({ Self.resolve($0, against: session.url) }) {
                next.url = url
            }
            return next
        case 404, 416:
            await Self.drain(response)
            return nil
        default:
            let error = await failure(response, .GET, session.url)
            if Self.isLostSession(error) { return nil }
            throw error
        }
    }

    /// HEAD of the blob after a broken commit; any failure counts as "not there".
    func blobPresent(repository: String, digest: Digest) async -> Bool {
        guard let url = try? await apiURL("/v2/\(repository)/blobs/\(digest)"),
              let response = try? await send(.HEAD, url, scopes: [Scope.pull(repository)], followRedirects: true) else {
            return false
        }
        await Self.drain(response)
        return response.status.code == 200
    }

    /// Cancels a session with `DELETE <location>`, ignoring the outcome (main-branch spec: clients
    /// SHOULD send it on abort and ignore failures). It runs in its own task so it still goes out
    /// when the upload's task was cancelled.
    func abandon(_ session: UploadSession, scopes: [String]) async {
        let url = session.url
        let task = Task {
            guard let response = try? await self.send(.DELETE, url, scopes: scopes) else { return }
            await Self.drain(response)
        }
        await task.value
    }

    /// Adds a note to an error's reason where it has one.
    static func annotate(_ error: RegistryError, _ note: String) -> RegistryError {
        switch error {
        case let .connectionFailed(method, host, path, reason):
            return .connectionFailed(method: method, host: host, path: path, reason: "\(reason) (\(note))")
        case let .invalidResponse(method, host, path, reason):
            return .invalidResponse(method: method, host: host, path: path, reason: "\(reason) (\(note))")
        case let .http(status, method, host, path, errors, body, attempts):
            return .http(status: status, method: method, host: host, path: path, errors: errors,
                         body: [body, note].compactMap { $0 }.joined(separator: " — "), attempts: attempts)
        default:
            return error
        }
    }
}

extension RegistryClient.UploadSetback {
    var error: RegistryError {
        switch self {
        case let .interrupted(error, _), let .sessionLost(error), let .monolithicTooLarge(error): return error
        }
    }
}
