import Testing
@testable import OCIModel

private let hex64 = String(repeating: "0123456789abcdef", count: 4)
private let sha = "sha256:" + hex64
private let sha512 = "sha512:" + hex64 + hex64

/// One row of the parsing table: input and the expected parts.
struct ReferenceCase: Sendable, CustomTestStringConvertible {
    var input: String
    var registry: String
    var repository: String
    var tag: String?
    var digest: String?
    var testDescription: String { input }
}

@Suite struct ImageReferenceTests {
    @Test(arguments: [
        ReferenceCase(input: "busybox", registry: "docker.io", repository: "library/busybox", tag: "latest"),
        ReferenceCase(input: "busybox:1.36", registry: "docker.io", repository: "library/busybox", tag: "1.36"),
        ReferenceCase(input: "library/busybox", registry: "docker.io", repository: "library/busybox", tag: "latest"),
        ReferenceCase(input: "docker.io/busybox", registry: "docker.io", repository: "library/busybox", tag: "latest"),
        ReferenceCase(input: "docker.io/library/busybox:musl", registry: "docker.io", repository: "library/busybox", tag: "musl"),
        ReferenceCase(input: "index.docker.io/library/busybox", registry: "docker.io", repository: "library/busybox", tag: "latest"),
        ReferenceCase(input: "index.docker.io/alpine", registry: "docker.io", repository: "library/alpine", tag: "latest"),
        ReferenceCase(input: "myuser/myapp:v1", registry: "docker.io", repository: "myuser/myapp", tag: "v1"),
        ReferenceCase(input: "ghcr.io/owner/repo:tag", registry: "ghcr.io", repository: "owner/repo", tag: "tag"),
        ReferenceCase(input: "ghcr.io/app", registry: "ghcr.io", repository: "app", tag: "latest"),
        ReferenceCase(input: "mcr.microsoft.com/windows/nanoserver:ltsc2022", registry: "mcr.microsoft.com", repository: "windows/nanoserver", tag: "ltsc2022"),
        ReferenceCase(input: "localhost/foo", registry: "localhost", repository: "foo", tag: "latest"),
        ReferenceCase(input: "localhost:5000/foo/bar:1.0", registry: "localhost:5000", repository: "foo/bar", tag: "1.0"),
        ReferenceCase(input: "127.0.0.1:5000/test", registry: "127.0.0.1:5000", repository: "test", tag: "latest"),
        ReferenceCase(input: "[::1]:5000/foo:tag", registry: "[::1]:5000", repository: "foo", tag: "tag"),
        ReferenceCase(input: "[2001:db8::1]/foo", registry: "[2001:db8::1]", repository: "foo", tag: "latest"),
        ReferenceCase(input: "registry.example.com/a/b/c/d", registry: "registry.example.com", repository: "a/b/c/d", tag: "latest"),
        ReferenceCase(input: "a.b-c.example.com:443/x__y/z.w-v:T_a.g-1", registry: "a.b-c.example.com:443", repository: "x__y/z.w-v", tag: "T_a.g-1"),
        ReferenceCase(input: "foo---bar", registry: "docker.io", repository: "library/foo---bar", tag: "latest"),
        ReferenceCase(input: "foo:_x", registry: "docker.io", repository: "library/foo", tag: "_x"),
        ReferenceCase(input: "busybox@" + sha, registry: "docker.io", repository: "library/busybox", digest: sha),
        ReferenceCase(input: "ghcr.io/a/b:1.0@" + sha, registry: "ghcr.io", repository: "a/b", tag: "1.0", digest: sha),
        ReferenceCase(input: "localhost:5000/foo@" + sha512, registry: "localhost:5000", repository: "foo", digest: sha512),
        ReferenceCase(input: "Example.COM/foo", registry: "Example.COM", repository: "foo", tag: "latest"),
        ReferenceCase(input: "foo:" + String(repeating: "t", count: 128), registry: "docker.io", repository: "library/foo", tag: String(repeating: "t", count: 128)),
    ])
    func parsesValidReferences(c: ReferenceCase) throws {
        let ref = try ImageReference(parsing: c.input)
        #expect(ref.registry == c.registry)
        #expect(ref.repository == c.repository)
        #expect(ref.tag == c.tag)
        #expect(ref.digest?.description == c.digest)
        // The canonical form parses back to the same value.
        #expect(try ImageReference(parsing: ref.description) == ref)
    }

    @Test(arguments: [
        ("", "empty"),
        ("Busybox", "lowercase"),
        ("ghcr.io/Owner/repo", "lowercase"),
        ("MyUser/app", "lowercase"),
        ("busybox:-bad", "tag"),
        ("busybox:.bad", "tag"),
        ("busybox:", "tag"),
        ("busybox:a/b", "port"),
        ("busybox:" + String(repeating: "t", count: 129), "tag"),
        ("example.com/" + String(repeating: "a", count: 244), "255"),
        (hex64, "image ID"),
        ("foo//bar", "empty component"),
        ("foo/", "empty component"),
        ("/foo", "empty component"),
        ("-foo", "component"),
        ("foo_", "component"),
        ("foo..bar", "component"),
        ("foo___bar", "component"),
        ("foo@sha256:abc", "digest"),
        ("foo@", "digest"),
        ("ex ample.com/foo", "space"),
        ("ünïcode/foo", "ASCII"),
        ("[::1/foo", "IPv6"),
        ("[zz::1]:5000/foo", "IPv6"),
        ("example.com:abc/foo", "port"),
        ("example.com:/foo", "port"),
        ("-example.com/foo", "host"),
        ("exa_mple.com/foo", "host"),
        ("example.com/foo:", "tag"),
        ("@" + sha, "missing"),
    ])
    func rejectsInvalidReferences(input: String, fragment: String) {
        do {
            let parsed = try ImageReference(parsing: input)
            Issue.record("parsed \(input.debugDescription) as \(parsed)")
        } catch let OCIModelError.invalidReference(echo, reason) {
            #expect(echo == input)
            #expect(reason.contains(fragment), "reason \(reason.debugDescription) lacks \(fragment.debugDescription)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func nameLengthLimitIsInclusive() throws {
        let longest = "example.com/" + String(repeating: "a", count: 255 - "example.com/".count)
        #expect(longest.count == ImageReference.maximumNameLength)
        #expect(try ImageReference(parsing: longest).repository.count == 255 - "example.com/".count)
        #expect(throws: OCIModelError.self) { try ImageReference(parsing: longest + "a") }
    }

    @Test(arguments: [
        ("busybox", "registry-1.docker.io", "latest", "docker.io/library/busybox", false),
        ("ghcr.io/a/b@" + sha, "ghcr.io", sha, "ghcr.io/a/b", false),
        ("localhost:5000/x:v2", "localhost:5000", "v2", "localhost:5000/x", true),
        ("localhost/x", "localhost", "latest", "localhost/x", true),
        ("127.0.0.1:5000/x", "127.0.0.1:5000", "latest", "127.0.0.1:5000/x", true),
        ("127.10.20.30/x", "127.10.20.30", "latest", "127.10.20.30/x", true),
        ("[::1]:5000/x", "[::1]:5000", "latest", "[::1]:5000/x", true),
        ("[::1]/x", "[::1]", "latest", "[::1]/x", true),
        ("128.0.0.1:5000/x", "128.0.0.1:5000", "latest", "128.0.0.1:5000/x", false),
        ("127.0.0.1.example.com/x", "127.0.0.1.example.com", "latest", "127.0.0.1.example.com/x", false),
        ("localhost.localdomain:5000/x", "localhost.localdomain:5000", "latest", "localhost.localdomain:5000/x", false),
    ])
    func derivedProperties(input: String, apiHost: String, reference: String, repositoryReference: String, loopback: Bool) throws {
        let ref = try ImageReference(parsing: input)
        #expect(ref.apiHost == apiHost)
        #expect(ref.reference == reference)
        #expect(ref.repositoryReference == repositoryReference)
        #expect(ref.isLoopback == loopback)
    }

    @Test func descriptionAndModifiers() throws {
        let digest = try Digest(sha)
        let ref = try ImageReference(parsing: "busybox")
        #expect(ref.description == "docker.io/library/busybox:latest")
        let pinned = ref.withDigest(digest)
        #expect(pinned.description == "docker.io/library/busybox:latest@\(sha)")
        #expect(pinned.reference == sha)
        let untagged = pinned.withTag(nil)
        #expect(untagged.description == "docker.io/library/busybox@\(sha)")
        #expect(untagged.withDigest(nil).reference == "latest")
        #expect(ImageReference(registry: "ghcr.io", repository: "o/r", tag: "1").description == "ghcr.io/o/r:1")
    }
}
