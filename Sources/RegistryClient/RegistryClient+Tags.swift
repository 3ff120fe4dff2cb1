import AsyncHTTPClient
import Foundation
import NIOCore

/// The body of `GET /v2/<name>/tags/list`. Registries send `"tags": null` for a repository whose
/// tags were all deleted.
struct TagListPage: Decodable {
    var name: String?
    var tags: [String]?
}

extension RegistryClient {
    /// Pages a tag listing may take before it is abandoned: a registry that keeps sending `Link`s
    /// with new URLs would otherwise keep us busy for ever.
    public static let maxTagPages = 10_000

    /// The largest tag-list page we read into memory (distribution 2.8 sends every tag in one page).
    static let maxTagPageSize = 32 << 20

    /// The tags of `repository` (`GET /v2/<name>/tags/list`), in the registry's order (lexical per
    /// the spec), following `Link: <…>; rel="next"` from page to page.
    ///
    /// - A repository the registry does not know — 404 `NAME_UNKNOWN` — has no tags: the result is
    ///   `[]`. distribution 2.8 gives that same answer for a repository that exists but holds only
    ///   untagged manifests, so the two cannot be told apart; for "which tags exist" both mean none.
    ///   Any other 404 (e.g. a plain-text `404 page not found`: no registry API there) is an error.
    /// - Only `Link` leads to more pages: without one the answer is complete. Registries that ignore
    ///   `n` (distribution 2.8) send everything at once.
    /// - A `Link` may be relative (resolved against the request URL) or absolute; one leaving the
    ///   registry's scheme, host and port is refused — credentials go only to the registry.
    /// - A `Link` to a page already fetched means the registry's pagination loops: it fails rather
    ///   than returning duplicates or spinning; so does a listing longer than `maxTagPages` pages.
    ///
    /// - Parameters:
    ///   - pageSize: sent as `n=` on the first request (the `Link`s carry it on); nil lets the
    ///     registry choose. Must be at least 1.
    ///   - limit: at most this many tags are returned (the first ones); no further page is
    ///     requested once it is reached. Must not be negative.
    public func tags(repository: String, pageSize: Int? = nil, limit: Int = 100_000) async throws -> [String] {
        try await tags(repository: repository, pageSize: pageSize, limit: limit, maxPages: Self.maxTagPages)
    }

    /// `tags(repository:pageSize:limit:)` with the page bound as a parameter (tests use a small one).
    func tags(repository: String, pageSize: Int?, limit: Int, maxPages: Int) async throws -> [String] {
        precondition(pageSize.map { $0 >= 1 } ?? true, "pageSize must be at least 1 (n=0 asks for an empty page)")
        precondition(limit >= 0, "limit must not be negative")
        guard limit > 0 else { return [] }
        let first = try await apiURL("/v2/\(repository)/tags/list")
        // Canonical form, so a Link back to the first page is recognised as one.
        var url = pageSize.map { Self.appendingQuery(first, "n", String($0)) } ?? first
        url = Self.resolve(url, against: url) ?? url
        var visited: Set<String> = []
        var tags: [String] = []
        while true {
            let (h, path) = Self.display(url)
            guard visited.count < maxPages else {
                throw RegistryError.invalidResponse(method: "GET", host: h, path: path,
                    reason: "the tag list of \(repository) goes on for more than \(maxPages) pages; giving up")
            }
            visited.insert(url)
            let response = try await send(.GET, url, scopes: [Scope.pull(repository)])
            if response.status == .notFound, visited.count == 1 {
                let body = Data(buffer: (try? await response.body.collect(upTo: 64 << 10)) ?? ByteBuffer())
                if RegistryErrorDetail.parse(body).contains(where: { $0.code == "NAME_UNKNOWN" }) { return [] }
                var copy = response
                copy.body = .bytes(ByteBuffer(data: body))
                throw await failure(copy, .GET, url)
            }
            guard response.status == .ok else { throw await failure(response, .GET, url) }
            tags += try await Self.decodeTagPage(response, host: h, path: path)
            if tags.count >= limit { return Array(tags.prefix(limit)) }

            guard let link = LinkHeader.next(in: response.headers["Link"]) else { return tags }
            guard let next = Self.resolve(link, against: url) else {
                throw RegistryError.invalidResponse(method: "GET", host: h, path: path,
                    reason: "the Link header's next page '\(link)' is not an http(s) URL")
            }
            guard isRegistryOrigin(next) else {
                let (otherHost, _) = Self.display(next)
                throw RegistryError.invalidResponse(method: "GET", host: h, path: path,
                    reason: "the Link header sends the next page of tags to another origin (\(otherHost)); "
                        + "refusing to follow it, as the registry's credentials must not go there")
            }
            guard !visited.contains(next) else {
                let (_, nextPath) = Self.display(next)
                throw RegistryError.invalidResponse(method: "GET", host: h, path: path,
                    reason: "the Link header points back to a page already read (\(nextPath)); "
                        + "the registry's tag pagination loops, so the listing cannot complete")
            }
            url = next
        }
    }

    /// Reads and decodes one page of a tag list.
    private static func decodeTagPage(_ response: HTTPClientResponse, host: String, path: String) async throws -> [String] {
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxTagPageSize)
        } catch is NIOTooManyBytesError {
            throw RegistryError.tooLarge(limit: Int64(maxTagPageSize), context: "tag list page \(host)\(path)")
        }
        do {
            return try JSONDecoder().decode(TagListPage.self, from: Data(buffer: buffer)).tags ?? []
        } catch {
            throw RegistryError.invalidResponse(method: "GET", host: host, path: path,
                reason: "the tag list is not JSON of the form {\"name\": …, \"tags\": [...]}")
        }
    }
}

extension RegistryRepository {
    /// The repository's tags, every page; `[]` when the registry does not know the repository.
    /// See `RegistryClient.tags(repository:pageSize:limit:)`.
    public func tags() async throws -> [String] {
        try await client.tags(repository: repository)
    }
}
