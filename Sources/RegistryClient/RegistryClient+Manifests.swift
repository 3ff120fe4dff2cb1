import AsyncHTTPClient
import Foundation
import LayerBuilder
import NIOCore
import NIOHTTP1
import OCIModel

/// A manifest or index as served by a registry or layout: exact bytes, type and digest.
public struct FetchedManifest: Sendable, Equatable {
    /// The exact bytes; their SHA-256 is `digest`. Never re-serialise them.
    public var bytes: Data
    public var mediaType: String
    public var digest: Digest

    public init(bytes: Data, mediaType: String, digest: Digest) {
        self.bytes = bytes
        self.mediaType = mediaType
        self.digest = digest
    }
}

extension RegistryClient {
    /// Registries must accept manifests of at least 4 MiB (distribution 2.8 refuses larger ones), so
    /// anything bigger is refused before it is held in memory.
    public static let maxManifestSize = 4 << 20

    /// `GET /v2/<name>/manifests/<reference>` with the full Accept list.
    ///
    /// Verifies `Docker-Content-Digest` against the body, the body against a digest reference, and the
    /// `Content-Type` against the body's `mediaType`.
    public func manifest(repository: String, reference: String) async throws -> FetchedManifest {
        let url = try await apiURL("/v2/\(repository)/manifests/\(reference)")
        let response = try await send(.GET, url, headers: Self.acceptHeaders, scopes: [Scope.pull(repository)],
                                      followRedirects: true)
        guard response.status == .ok else { throw await failure(response, .GET, url) }
        let (h, p) = Self.display(url)
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: Self.maxManifestSize)
        } catch is NIOTooManyBytesError {
            throw RegistryError.tooLarge(limit: Int64(Self.maxManifestSize), context: "manifest \(h)/\(repository):\(reference)")
        }
        let bytes = Data(buffer: buffer)
        stats.bytesDownloaded += Int64(bytes.count)
        let computed = SHA256Digest.of(bytes)
        let context = "manifest \(h)/\(repository)@\(reference)"

        if let requested = try? Digest(reference) {
            try requested.requireVerifiable()
            guard computed == requested else {
                throw RegistryError.digestMismatch(expected: requested, actual: computed, context: context)
            }
        }
        if let header = response.headers.first(name: "Docker-Content-Digest") {
            guard let announced = try? Digest(header) else {
                throw RegistryError.invalidResponse(method: "GET", host: h, path: p, reason: "malformed Docker-Content-Digest")
            }
            // Other algorithms cannot be checked; the body hash above still identifies the content.
            if announced.isVerifiable, announced != computed {
                throw RegistryError.digestMismatch(expected: announced, actual: computed, context: context + " (Docker-Content-Digest)")
            }
        }
        let mediaType = try Self.manifestMediaType(contentType: response.headers.first(name: "Content-Type"), body: bytes,
                                                   describe: { RegistryError.invalidResponse(method: "GET", host: h, path: p, reason: $0) })
        return FetchedManifest(bytes: bytes, mediaType: mediaType, digest: computed)
    }

    /// `HEAD /v2/<name>/manifests/<reference>`: the descriptor, or nil when missing (404).
    public func manifestExists(repository: String, reference: String) async throws -> Descriptor? {
        let url = try await apiURL("/v2/\(repository)/manifests/\(reference)")
        let response = try await send(.HEAD, url, headers: Self.acceptHeaders, scopes: [Scope.pull(repository)],
                                      followRedirects: true)
        switch response.status.code {
        case 200:
            await Self.drain(response)
        case 404:
            await Self.drain(response)
            return nil
        default:
            throw await failure(response, .HEAD, url)
        }
        let (h, p) = Self.display(url)
        let invalid = { (reason: String) in RegistryError.invalidResponse(method: "HEAD", host: h, path: p, reason: reason) }
        guard let contentType = response.headers.first(name: "Content-Type").map(Self.stripParameters) else {
            throw invalid("no Content-Type")
        }
        guard let length = response.headers.first(name: "Content-Length").flatMap(Int64.init) else {
            throw invalid("no Content-Length")
        }
        let digest: Digest
        if let header = response.headers.first(name: "Docker-Content-Digest") {
            guard let d = try? Digest(header) else { throw invalid("malformed Docker-Content-Digest") }
            digest = d
        } else if let d = try? Digest(reference) {
            digest = d
        } else {
            // Without the header a tag cannot be resolved by HEAD; fetch the bytes instead.
            let fetched = try await manifest(repository: repository, reference: reference)
            return Descriptor(mediaType: fetched.mediaType, digest: fetched.digest, size: Int64(fetched.bytes.count))
        }
        return Descriptor(mediaType: contentType, digest: digest, size: length)
    }

    /// `PUT /v2/<name>/manifests/<reference>` with the exact bytes.
    /// - Returns: the SHA-256 of `bytes`, checked against the registry's `Docker-Content-Digest`.
    @discardableResult
    public func putManifest(repository: String, reference: String, bytes: Data, mediaType: String) async throws -> Digest {
        guard bytes.count <= Self.maxManifestSize else {
            throw RegistryError.tooLarge(limit: Int64(Self.maxManifestSize), context: "manifest for \(repository):\(reference)")
        }
        let digest = SHA256Digest.of(bytes)
        if let requested = try? Digest(reference), requested != digest {
            throw RegistryError.digestMismatch(expected: requested, actual: digest, context: "manifest to push")
        }
        let url = try await apiURL("/v2/\(repository)/manifests/\(reference)")
        let response = try await send(.PUT, url, headers: ["Content-Type": mediaType], body: .data(bytes),
                                      scopes: [Scope.push(repository)])
        guard response.status.code == 201 else { throw await failure(response, .PUT, url) }
        await Self.drain(response)
        if let returned = response.headers.first(name: "Docker-Content-Digest"), returned != digest.description {
            let (h, p) = Self.display(url)
            throw RegistryError.invalidResponse(method: "PUT", host: h, path: p,
                                                reason: "registry reports digest \(returned), the bytes hash to \(digest)")
        }
        stats.manifestsPushed += 1
        stats.bytesUploaded += Int64(bytes.count)
        return digest
    }

    static var acceptHeaders: HTTPHeaders {
        ["Accept": MediaType.acceptedManifests.joined(separator: ", ")]
    }

    static func stripParameters(_ contentType: String) -> String {
        contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }

    /// The manifest's media type from the header and the body's own `mediaType` (which wins when the
    /// header is generic). A disagreement between two specific types is an error: the spec says clients
    /// should reject it, and a wrong type would make us parse the wrong schema.
    /// `declaredBy` names where `contentType` came from, for the message ("Content-Type" for a
    /// registry, the index.json entry for a layout).
    static func manifestMediaType(contentType: String?, body: Data, declaredBy: String = "Content-Type",
                                  describe: (String) -> RegistryError) throws -> String {
        struct Probe: Decodable { var mediaType: String? }
        let bodyType = (try? JSONDecoder().decode(Probe.self, from: body))?.mediaType
        let headerType = contentType.map(stripParameters).flatMap { $0.isEmpty ? nil : $0 }
        let generic: Set<String> = ["application/json", "application/octet-stream", "text/plain"]
        switch (headerType, bodyType) {
        case let (header?, body?) where !generic.contains(header):
            guard header == body else {
                throw describe("\(declaredBy) \(header) differs from the manifest's mediaType \(body)")
            }
            return body
        case let (_, body?):
            return body
        case let (header?, nil) where !generic.contains(header):
            return header
        default:
            throw describe("cannot tell the manifest type: no specific \(declaredBy) and no mediaType in the body")
        }
    }
}
