import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OCIModel

/// Sending requests: auth, redirects, retries, logging, and reading error answers.
extension RegistryClient {
    /// A request body that can be produced again for a retry.
    enum Body: Sendable {
        case data(Data)
        /// Streamed from the file in chunks, `size` bytes, never held in memory whole.
        case file(path: String, size: Int64, progress: UploadReporter? = nil)
        /// `length` bytes of a file from `offset`, streamed (one chunk of a chunked upload).
        case fileRegion(path: String, offset: Int64, length: Int64, progress: UploadReporter? = nil)
    }

    /// Responses up to this size (by `Content-Length`) are read into memory inside `send`, so a
    /// connection that breaks while the body arrives is retried like one that broke earlier.
    static let bufferedBodyLimit = 8 << 20

    /// Sends a request to the registry: adds User-Agent and Authorization (only for the registry's own
    /// origin), re-authenticates once on 401, optionally follows redirects (http/https only, without
    /// Authorization to other origins), and retries under `options.retry`.
    ///
    /// Retried, when the request is replayable (`RequestKind.isReplayable`, or `replayable`): transient
    /// connection failures and the statuses in `RetryPolicy.transientStatuses`, honouring
    /// `Retry-After`. When retrying such a status gives up, `send` throws the `RegistryError.http`
    /// itself (with the attempt count); other statuses are returned for the caller to judge.
    /// Inside `withRetries` the attempts count against that operation's budget.
    ///
    /// Bodies of error responses, and of small responses unless `longTransfer`, arrive already read.
    /// The caller must consume or drop the returned response body. `authenticate: false` sends no
    /// Authorization and returns a 401 as is (the ping learns the challenge from it).
    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: Body? = nil,
              scopes: [String], followRedirects: Bool = false, longTransfer: Bool = false,
              replayable: Bool? = nil, authenticate: Bool = true) async throws -> HTTPClientResponse {
        let budget = RetryBudget.current ?? RetryBudget(policy: options.retry)
        var url = url
        var scopes = scopes
        var attempt = 0
        var reauthenticated = false
        var redirects = 0
        while true {
            attempt += 1
            let kind = RequestKind(method: method, url: url)
            let mayRepeat = replayable ?? kind.isReplayable
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers = headers
            request.headers.replaceOrAdd(name: "User-Agent", value: options.userAgent)
            let ownOrigin = authenticate && isRegistryOrigin(url)
            if ownOrigin, let authorization = try await authorization(scopes: scopes) {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            switch body {
            case let .data(data)?:
                request.body = .bytes(ByteBuffer(data: data))
            case let .file(path, size, progress)?:
                let region = FileRegion(path: path, offset: 0, length: size, progress: progress)
                request.body = .stream(region, length: .known(size))
            case let .fileRegion(path, offset, length, progress)?:
                let region = FileRegion(path: path, offset: offset, length: length, progress: progress)
                request.body = .stream(region, length: .known(length))
            case nil:
                break
            }
            let deadline: NIODeadline = longTransfer ? .now() + .hours(24) : .now() + .milliseconds(Int64(options.timeout * 1000))

            let response: HTTPClientResponse
            let buffered: ByteBuffer?
            logRequest(request, url: url, attempt: attempt)
            do {
                stats.requests += 1
                (response, buffered) = try await execute(request, deadline: deadline, longTransfer: longTransfer)
                logResponse(response, request: request, url: url)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let (h, path) = Self.display(url)
                switch TransportFailure(error) {
                case .untrustedCertificate:
                    throw RegistryError.untrustedCertificate(host: h, reason: TransportFailure.certificateReason(error))
                case .transient where mayRepeat:
                    if let delay = budget.nextDelay(retryAfter: nil) {
                        try await Task.sleep(for: .seconds(delay))
                        continue
                    }
                default:
                    break
                }
                let note = attempt > 1 ? " (gave up after \(attempt) attempts in \(String(format: "%.1f", budget.elapsed)) s)" : ""
                throw RegistryError.connectionFailed(method: method.rawValue, host: h, path: path, reason: "\(TransportFailure.reason(error))\(note)")
            }

            let code = Int(response.status.code)
            if code == 401, ownOrigin, !reauthenticated {
                reauthenticated = true
                let previous = request.headers.first(name: "Authorization")
                scopes = handleUnauthorized(response, scopes: scopes)
                let next = try await authorization(scopes: scopes)
                // Retry only when we now send something different (a fresh token, first credentials);
                // resending what was just refused would only double the 401s.
                var worthRetrying = next != nil && next != previous
                if case .bearer = authMode, next != nil { worthRetrying = true }
                if worthRetrying {
                    await Self.drain(response)
                    continue
                }
                return response
            }
            if followRedirects, [301, 302, 303, 307, 308].contains(code),
               let location = response.headers.first(name: "Location") {
                await Self.drain(response)
                redirects += 1
                guard redirects <= 5, let next = Self.resolve(location, against: url) else {
                    let (h, path) = Self.display(url)
                    throw RegistryError.invalidResponse(method: method.rawValue, host: h, path: path,
                                                        reason: "too many redirects, or one to a URL that is not http(s)")
                }
                url = next
                continue
            }
            if RetryPolicy.transientStatuses.contains(code), mayRepeat {
                let errors = RegistryErrorDetail.parse(buffered.map { Data(buffer: $0) } ?? Data())
                let retryAfter = RetryPolicy.retryAfter(response.headers.first(name: "Retry-After"))
                if RetryPolicy.shouldRetry(status: code, kind: kind, replayable: true, errors: errors, attempt: attempt),
                   let delay = budget.nextDelay(retryAfter: retryAfter) {
                    try await Task.sleep(for: .seconds(delay))
                    continue
                }
                throw await failure(response, method, url, attempts: attempt)
            }
            return response
        }
    }

    /// Executes one request; reads the body into memory for error and redirect answers and for
    /// small answers (known `Content-Length` up to `bufferedBodyLimit`) unless `longTransfer`.
    /// - Returns: the response (its body replaced by the read bytes) and those bytes.
    private func execute(_ request: HTTPClientRequest, deadline: NIODeadline,
                         longTransfer: Bool) async throws -> (HTTPClientResponse, ByteBuffer?) {
        let response = try await httpClient.execute(request, deadline: deadline)
        let code = Int(response.status.code)
        let length = response.headers.first(name: "Content-Length").flatMap(Int.init)
        guard request.method != .HEAD,
              code >= 300 || (!longTransfer && length.map { $0 <= Self.bufferedBodyLimit } == true) else {
            return (response, nil)
        }
        var bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: code >= 300 ? 1 << 20 : Self.bufferedBodyLimit)
        } catch is NIOTooManyBytesError {
            // Only an error page can get here (2xx bodies are checked by length); its text is lost.
            bytes = ByteBuffer()
        }
        var copy = response
        copy.body = .bytes(bytes)
        return (copy, bytes)
    }

    /// Builds the error for a response we did not expect, reading (a bounded part of) its body.
    func failure(_ response: HTTPClientResponse, _ method: HTTPMethod, _ url: String, attempts: Int = 1) async -> RegistryError {
        let data = Data(buffer: (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer())
        let details = RegistryErrorDetail.parse(data)
        let (h, path) = Self.display(url)
        let code = Int(response.status.code)
        if code == 401 || code == 403 {
            let reason = await unauthorizedReason(status: code, method: method.rawValue, path: path)
            return .unauthorized(status: code, method: method.rawValue, host: h, path: path, reason: reason, errors: details)
        }
        var text: String?
        if details.isEmpty, !data.isEmpty {
            text = String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return .http(status: code, method: method.rawValue, host: h, path: path, errors: details, body: text,
                     attempts: attempts)
    }

    static func drain(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: 1 << 20)
    }
}
