import Testing
@testable import RegistryClient

struct ChallengeCase: CustomTestStringConvertible, Sendable {
    var header: String
    var expected: [AuthChallenge]
    var testDescription: String { header.isEmpty ? "<empty>" : header }
}

private func c(_ scheme: String, _ params: [String: String] = [:], token68: String? = nil) -> AuthChallenge {
    AuthChallenge(scheme: scheme, parameters: params, token68: token68)
}

let challengeCases: [ChallengeCase] = [
    .init(header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:ahmet/wagl:pull""#,
          expected: [c("bearer", ["realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:ahmet/wagl:pull"])]),
    // Commas and spaces inside a quoted value (distribution's mount challenge).
    .init(header: #"Bearer realm="https://a.test/token",service="reg",scope="repository:a/b:pull,push repository:c/d:pull""#,
          expected: [c("bearer", ["realm": "https://a.test/token", "service": "reg", "scope": "repository:a/b:pull,push repository:c/d:pull"])]),
    .init(header: #"Bearer realm="https://a.test/token",service="reg",scope="repository:a/b:pull",error="invalid_token""#,
          expected: [c("bearer", ["realm": "https://a.test/token", "service": "reg", "scope": "repository:a/b:pull", "error": "invalid_token"])]),
    .init(header: #"Basic realm="basic-realm""#, expected: [c("basic", ["realm": "basic-realm"])]),
    .init(header: #"Basic realm="Registry Realm", charset="UTF-8""#, expected: [c("basic", ["realm": "Registry Realm", "charset": "UTF-8"])]),
    // Several challenges in one header, the second with several parameters.
    .init(header: #"Basic realm="simple", Bearer realm="https://t.test/token",service="s""#,
          expected: [c("basic", ["realm": "simple"]), c("bearer", ["realm": "https://t.test/token", "service": "s"])]),
    // RFC 7235 §4.1 example: escaped quotes, token values, a trailing second challenge.
    .init(header: #"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
          expected: [c("newauth", ["realm": "apps", "type": "1", "title": #"Login to "apps""#]), c("basic", ["realm": "simple"])]),
    // Scheme and parameter names are case-insensitive; optional whitespace around '='.
    .init(header: #"BEARER Realm = "https://x.test/t" , Service=reg"#, expected: [c("bearer", ["realm": "https://x.test/t", "service": "reg"])]),
    .init(header: "Negotiate", expected: [c("negotiate")]),
    .init(header: "Negotiate abc+/def==", expected: [c("negotiate", token68: "abc+/def==")]),
    .init(header: "Negotiate, Basic realm=x", expected: [c("negotiate"), c("basic", ["realm": "x"])]),
    .init(header: "", expected: []),
    .init(header: "  ,  ", expected: []),
    // Malformed: unterminated quoted string drops the half-read parameter and stops.
    .init(header: #"Bearer service="s", realm="https://unterminated"#, expected: [c("bearer", ["service": "s"])]),
    // `realm=` alone is a valid token68 (trailing '=' padding), not an empty parameter.
    .init(header: "Bearer realm=", expected: [c("bearer", token68: "realm=")]),
    // Malformed: no value after '=' in a parameter list.
    .init(header: #"Bearer realm="x",service="#, expected: [c("bearer", ["realm": "x"])]),
    .init(header: #"="oops""#, expected: []),
    // Duplicate parameter: the first wins.
    .init(header: #"Bearer realm="first",realm="second""#, expected: [c("bearer", ["realm": "first"])]),
]

@Suite("WWW-Authenticate parsing")
struct ChallengeTests {
    @Test(arguments: challengeCases)
    func parses(_ testCase: ChallengeCase) {
        #expect(AuthChallenge.parse(testCase.header) == testCase.expected)
    }

    @Test func modePrefersBearerWithRealm() {
        let challenges = AuthChallenge.parse(#"Basic realm="b", Bearer realm="https://t/token",service="s""#)
        #expect(AuthMode(challenges: challenges) == .bearer(realm: "https://t/token", service: "s"))
        #expect(AuthMode(challenges: AuthChallenge.parse("Basic realm=x")) == .basic(realm: "x"))
        #expect(AuthMode(challenges: AuthChallenge.parse("Negotiate")) == .unsupported(scheme: "negotiate"))
        // A Bearer challenge without realm cannot be used; Basic is the fallback.
        #expect(AuthMode(challenges: AuthChallenge.parse("Bearer service=s, Basic realm=r")) == .basic(realm: "r"))
    }

    @Test func credentialDescriptionRedactsSecrets() {
        let basic = Credential.basic(username: "alice", password: "s3cret-pw")
        let bearer = Credential.bearer(token: "tok-123456")
        #expect(!basic.description.contains("s3cret-pw"))
        #expect(basic.description.contains("alice"))
        #expect(!bearer.description.contains("tok-123456"))
        #expect(!String(describing: RegistryOptions(credentials: ["h": basic])).contains("s3cret-pw"))
    }
}
