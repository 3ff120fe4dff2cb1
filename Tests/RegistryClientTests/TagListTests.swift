import Foundation
import Testing
@testable import RegistryClient
import TestSupport

/// Seven tags whose lexical order differs from their insertion order.
private let sevenTags = ["v10", "latest", "1.0", "beta", "2.0", "alpha", "1.1"]

/// The `query` strings the fake saw for tag-list requests, in order.
private func tagQueries(_ fake: FakeRegistry) -> [String] {
    fake.requests().filter { $0.path.hasSuffix("/tags/list") }.map { $0.query ?? "" }
}

private func paged(_ link: FakeRegistry.TagPaging.Link, defaultPageSize size: Int = 100) -> FakeRegistry.Behavior {
    var behavior = FakeRegistry.Behavior()
    behavior.tagPaging = FakeRegistry.TagPaging(defaultPageSize: size, link: link)
    return behavior
}

@Suite("Tag list pagination (fake registry)")
struct TagListFakeTests {
    @Test(arguments: [1, 2, 3], [FakeRegistry.TagPaging.Link.relative, .absolute])
    func followsLinkToTheEnd(pageSize: Int, link: FakeRegistry.TagPaging.Link) async throws {
        try await withFakeClient(paged(link)) { client, fake in
            fake.seedTags(repository: "team/app", sevenTags)
            let tags = try await client.tags(repository: "team/app", pageSize: pageSize)
            let sorted = sevenTags.sorted()
            #expect(tags == sorted)
            // Each page after the first asks for exactly what the previous Link named.
            let lasts = stride(from: pageSize - 1, to: sorted.count - 1, by: pageSize).map { "&last=\(sorted[$0])" }
            #expect(tagQueries(fake) == ["n=\(pageSize)"] + lasts.map { "n=\(pageSize)\($0)" })
        }
    }

    @Test func registryChosenPageSizeWithoutN() async throws {
        try await withFakeClient(paged(.relative, defaultPageSize: 4)) { client, fake in
            fake.seedTags(repository: "app", sevenTags)
            let tags = try await RegistryRepository(client: client, repository: "app").tags()
            #expect(tags == sevenTags.sorted())
            #expect(tagQueries(fake) == ["", "n=4&last=alpha"])
        }
    }

    @Test func withoutPagingTheFirstAnswerIsComplete() async throws {
        // Like distribution 2.8: `n` ignored, everything at once, no Link.
        try await withFakeClient { client, fake in
            fake.seedTags(repository: "app", sevenTags)
            let tags = try await client.tags(repository: "app", pageSize: 2)
            #expect(tags == sevenTags.sorted())
            #expect(tagQueries(fake) == ["n=2"])
        }
    }

    @Test func unknownRepositoryHasNoTags() async throws {
        try await withFakeClient(paged(.relative, defaultPageSize: 2)) { client, fake in
            let tags = try await client.tags(repository: "nobody/here")
            #expect(tags == [])
            #expect(tagQueries(fake) == [""])
        }
    }

    @Test func loopingLinkFailsAfterOneRound() async throws {
        try await withFakeClient(paged(.loop)) { client, fake in
            fake.seedTags(repository: "app", ["a", "b", "c", "d", "e"])
            do {
                let tags = try await client.tags(repository: "app", pageSize: 2)
                Issue.record("a looping Link was followed to the end: \(tags)")
            } catch let error as RegistryError {
                guard case .invalidResponse = error else { Issue.record("unexpected \(error)"); return }
                #expect(error.description.contains("loops"))
                #expect(error.description.contains("/v2/app/tags/list"))
            }
            #expect(tagQueries(fake) == ["n=2", "n=2&last=b", "n=2&last=d"])
        }
    }

    @Test func pageBoundStopsEndlessListings() async throws {
        try await withFakeClient(paged(.relative)) { client, fake in
            fake.seedTags(repository: "app", (0..<10).map { "t\($0)" })
            let error = await #expect(throws: RegistryError.self) {
                try await client.tags(repository: "app", pageSize: 1, limit: 1000, maxPages: 4)
            }
            #expect(error?.description.contains("more than 4 pages") == true)
            #expect(tagQueries(fake).count == 4)
        }
    }

    @Test(arguments: [(0, 0, 0), (1, 1, 1), (5, 5, 2), (6, 6, 2), (10, 10, 4), (50, 10, 4)])
    func limitStopsEarly(limit: Int, expected: Int, requests: Int) async throws {
        try await withFakeClient(paged(.absolute)) { client, fake in
            let all = (0..<10).map { "t\($0)" }
            fake.seedTags(repository: "app", all)
            let tags = try await client.tags(repository: "app", pageSize: 3, limit: limit)
            #expect(tags == Array(all.prefix(expected)))
            #expect(tagQueries(fake).count == requests)
        }
    }

    @Test func linkToAnotherOriginIsRefused() async throws {
        try await withFakeClient(paged(.otherOrigin), credential: .basic(username: "u", password: "p")) { client, fake in
            fake.seedTags(repository: "app", sevenTags)
            do {
                _ = try await client.tags(repository: "app", pageSize: 3)
                Issue.record("a Link to another origin was followed")
            } catch let error as RegistryError {
                #expect(error.description.contains("another origin (\(fake.alternateHost))"))
            }
            #expect(fake.requests().allSatisfy { $0.port == fake.port })
            #expect(tagQueries(fake) == ["n=3"])
        }
    }

    @Test(arguments: [
        (#"{"name":"a","tags":["x","y"]}"#, ["x", "y"] as [String]?),
        (#"{"name":"a","tags":null}"#, []),
        (#"{"name":"a"}"#, []),
        (#"{"name":"a","tags":"x"}"#, nil),
        ("404 page not found", nil),
    ])
    func pageBodies(body: String, expected: [String]?) {
        let decoded = try? JSONDecoder().decode(TagListPage.self, from: Data(body.utf8))
        #expect(decoded.map { $0.tags ?? [] } == expected)
    }
}

@Suite("Link header parsing")
struct LinkHeaderTests {
    @Test(arguments: [
        (["</v2/a/tags/list?n=2&last=b>; rel=\"next\""], "/v2/a/tags/list?n=2&last=b"),
        (["<https://r.example/v2/a/tags/list?last=b>; rel=next"], "https://r.example/v2/a/tags/list?last=b"),
        (["<p>; rel=\"prev\", <n>; rel=\"next\""], "n"),
        (["<n>; title=\"a, b; rel=prev\"; rel=\"next\""], "n"),
        (["<n>; title=\"say \\\"rel=next\\\"\""], nil),
        (["</list?last=a,b;c>; rel=\"next\""], "/list?last=a,b;c"),
        (["<n>; REL=\"NEXT\""], "n"),
        (["<n>; rel=\"prev next\""], "n"),
        (["<n>; rel = \"next\""], "n"),
        (["<n>;rel=next"], "n"),
        (["<n>; rel=\"nextpage\""], nil),
        (["<n>; rel=\"prev\""], nil),
        (["<n>; rel=\"prev\"; rel=\"next\""], nil),
        (["<first>; rel=next, <second>; rel=next"], "first"),
        (["rel=\"next\", <ok>; rel=next"], "ok"),
        (["<p>; rel=prev", "<n>; rel=next"], "n"),
        (["<n>"], nil),
        ([""], nil),
        ([], nil),
    ] as [([String], String?)])
    func nextTarget(values: [String], expected: String?) {
        #expect(LinkHeader.next(in: values) == expected)
    }
}

@Suite("Tag list (docker-registry 2.8)")
struct TagListRegistryTests {
    @Test func listsPushedTagsAndIgnoresPageSize() async throws {
        try await withRegistryClient { client, _ in
            let image = TestImage(family: .oci, seed: 91)
            for tag in ["v2", "latest", "v1"] {
                try await image.push(to: client, repository: "tags/app", tag: tag)
            }
            #expect(try await client.tags(repository: "tags/app") == ["latest", "v1", "v2"])
            // 2.8 ignores `n` and sends no Link: still the whole list, and nothing repeated.
            #expect(try await client.tags(repository: "tags/app", pageSize: 2) == ["latest", "v1", "v2"])
            #expect(try await client.tags(repository: "tags/app", limit: 2) == ["latest", "v1"])
            #expect(try await RegistryRepository(client: client, repository: "tags/app").tags() == ["latest", "v1", "v2"])
        }
    }

    @Test func unknownAndUntaggedRepositoriesHaveNoTags() async throws {
        try await withRegistryClient { client, _ in
            #expect(try await client.tags(repository: "does/not/exist") == [])
            let image = TestImage(family: .oci, seed: 92)
            try await image.push(to: client, repository: "untagged", tag: image.digest.description)
            #expect(try await client.tags(repository: "untagged") == [])
        }
    }
}
