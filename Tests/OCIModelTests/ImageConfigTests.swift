import Foundation
import Testing
@testable import OCIModel

@Suite struct ImageConfigTests {
    @Test func readsWindowsBaseConfig() throws {
        let config = try ImageConfig(data: Data(Fixtures.windowsConfig.utf8))
        #expect(config.os == "windows")
        #expect(config.architecture == "amd64")
        #expect(config.variant == nil)
        #expect(config.osVersion == "10.0.20348.473")
        #expect(config.osFeatures == ["win32k"])
        #expect(config.platform == Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.473", osFeatures: ["win32k"]))
        #expect(try config.diffIDs.map(\.description) == [Fixtures.digest("1"), Fixtures.digest("2")])
        #expect(config.env == [#"Path=C:\Windows\system32;C:\Windows;"#, "ComputerName=x"])
        #expect(config.cmd == [#"c:\windows\system32\cmd.exe"#])
        #expect(config.entrypoint == nil)
        #expect(config.history.map(\.createdBy) == ["Apply image 2022-RTM-amd64", "Install update ltsc2022-amd64"])
        #expect(config.encoded() == Data(Fixtures.windowsConfig.utf8))
    }

    @Test func patchingAppendsLayersAndKeepsEverythingElse() throws {
        var config = try ImageConfig(data: Data(Fixtures.windowsConfig.utf8))
        let before = config.json
        let diffID = try Digest(Fixtures.digest("9"))
        let entry = HistoryEntry(created: "2025-01-01T00:00:00Z", createdBy: "winimg copy app/", comment: "layer 1")
        config.appendLayer(diffID: diffID, history: entry)
        config.appendHistory(HistoryEntry(created: "2025-01-01T00:00:00Z", createdBy: "ENV", emptyLayer: true))
        config.env = ImageConfig.mergeEnv(config.env, [#"PATH=C:\app;C:\Windows\system32;C:\Windows;"#, "APP=1"], caseInsensitive: true)
        config.entrypoint = [#"C:\app\app.exe"#]
        config.workingDir = #"C:\app"#
        config.user = "ContainerUser"
        config.labels = ["z.label": "1", "a.label": "2"]
        config.created = "2025-01-01T00:00:00Z"

        let reread = try ImageConfig(data: config.encoded())
        #expect(try reread.diffIDs == (try ImageConfig(data: Data(Fixtures.windowsConfig.utf8)).diffIDs) + [diffID])
        #expect(reread.history.count == 4)
        #expect(reread.history[2] == entry)
        #expect(reread.history[3].emptyLayer)
        #expect(reread.env == [#"PATH=C:\app;C:\Windows\system32;C:\Windows;"#, "ComputerName=x", "APP=1"])
        #expect(reread.entrypoint == [#"C:\app\app.exe"#])
        #expect(reread.cmd == before["config"]?["Cmd"]?.stringArrayValue)
        #expect(reread.workingDir == #"C:\app"#)
        #expect(reread.user == "ContainerUser")
        #expect(reread.labels == ["a.label": "2", "z.label": "1"])
        #expect(reread.json["config"]?["Labels"]?.objectValue?.keys == ["a.label", "z.label"])
        #expect(reread.created == "2025-01-01T00:00:00Z")

        // What the patch did not touch is unchanged, value and position.
        #expect(reread.json.keys == before.keys)
        for key in ["architecture", "os", "os.version", "os.features", "x-unknown"] {
            #expect(reread.json[key] == before[key], "\(key) changed")
        }
        #expect(reread.json["x-unknown"]?["keep"] == .number("12345678901234567890"))
        #expect(reread.json["config"]?["Shell"] == before["config"]?["Shell"])
        #expect(reread.json["config"]?["ArgsEscaped"] == .bool(true))
        #expect(reread.json["config"]?.objectValue?.keys.prefix(4) == ["Env", "Cmd", "Shell", "ArgsEscaped"])
        #expect(reread.json["history"]?.arrayValue?.prefix(2) == before["history"]?.arrayValue?.prefix(2))
    }

    @Test func scratchConfigHasTheDocumentedShape() throws {
        let platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let config = ImageConfig.scratch(platform: platform, created: "2025-01-01T00:00:00Z")
        #expect(config.json.keys == ["architecture", "os", "variant", "created", "config", "rootfs", "history"])
        #expect(String(decoding: config.encoded(), as: UTF8.self)
                == #"{"architecture":"arm64","os":"linux","variant":"v8","created":"2025-01-01T00:00:00Z","config":{},"rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#)
        #expect(config.platform == platform)
        #expect(try config.diffIDs.isEmpty)
        #expect(try ImageConfig(data: config.encoded()).json == config.json)
    }

    @Test func patchedScratchConfigsPassTheSchema() async throws {
        for platform in [Platform(os: "linux", architecture: "amd64"),
                         Platform(os: "windows", architecture: "amd64", osVersion: "10.0.26100.1", osFeatures: ["win32k"])] {
            var config = ImageConfig.scratch(platform: platform, created: "2025-01-01T00:00:00Z")
            config.appendLayer(diffID: try Digest(Fixtures.digest("5")), history: HistoryEntry(createdBy: "copy"))
            config.appendHistory(HistoryEntry(comment: "env", emptyLayer: true))
            config.env = ["A=1"]
            config.cmd = ["/app"]
            config.labels = ["k": "v"]
            let result = try await SchemaValidation.validate(config.encoded(), as: .config)
            #expect(result.isValid, "\(result.messages)")
        }
    }

    @Test func windowsScratchConfigCarriesOSVersion() {
        let config = ImageConfig.scratch(platform: Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.1", osFeatures: ["win32k"]),
                                         created: "2025-01-01T00:00:00Z")
        #expect(config.json.keys.prefix(4) == ["architecture", "os", "os.version", "os.features"])
        #expect(config.osVersion == "10.0.20348.1")
    }

    @Test func settersCreateAndRemoveFields() throws {
        var config = try ImageConfig(data: Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers"}}"#.utf8))
        config.env = []
        config.labels = [:]
        config.entrypoint = nil
        config.user = nil
        #expect(config.json["config"] == nil, "no-op writes must not add a config object")
        config.env = ["A=1"]
        #expect(config.json["config"]?["Env"] == .strings(["A=1"]))
        config.cmd = ["sh"]
        config.cmd = nil
        #expect(config.json["config"]?["Cmd"] == nil)
        config.osVersion = "10.0.1.2"
        config.osVersion = nil
        #expect(config.json["os.version"] == nil)
        config.appendLayer(diffID: try Digest(Fixtures.digest("7")), history: HistoryEntry())
        #expect(try config.diffIDs.count == 1)
        #expect(config.json["history"]?.arrayValue == [.object(JSONObject())])
    }

    @Test func nullConfigObjectIsReplacedOnWrite() throws {
        var config = try ImageConfig(data: Data(#"{"architecture":"amd64","os":"linux","config":null,"rootfs":{"type":"layers","diff_ids":[]}}"#.utf8))
        #expect(config.env.isEmpty)
        config.workingDir = "/w"
        #expect(config.json.keys == ["architecture", "os", "config", "rootfs"])
        #expect(config.workingDir == "/w")
    }

    @Test(arguments: [
        (#"{"os":"linux","rootfs":{"type":"layers"}}"#, "architecture"),
        (#"{"architecture":1,"os":"linux","rootfs":{"type":"layers"}}"#, "architecture"),
        (#"{"architecture":"amd64","os":"linux"}"#, "rootfs"),
        (#"{"architecture":"amd64","os":"linux","rootfs":{"type":"tar"}}"#, "rootfs"),
        (#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]}}"#, "digest"),
        (#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[1]}}"#, "diff_ids"),
        (#""config""#, "object"),
    ])
    func rejectsInvalidConfigs(json: String, fragment: String) {
        do {
            _ = try ImageConfig(data: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(fragment), "error \(error) lacks \(fragment.debugDescription)")
        }
    }

    @Test(arguments: [
        (["A=1", "B=2"], ["B=3"], false, ["A=1", "B=3"]),
        (["A=1"], ["C=3", "D="], false, ["A=1", "C=3", "D="]),
        (["PATH=/bin"], ["Path=/x"], false, ["PATH=/bin", "Path=/x"]),
        (["Path=C:\\W"], ["PATH=C:\\app;C:\\W"], true, ["PATH=C:\\app;C:\\W"]),
        (["A=1", "path=x", "B=2"], ["PATH=y", "a=9"], true, ["a=9", "PATH=y", "B=2"]),
        (["A=1"], ["A=2", "A=3"], false, ["A=3"]),
        (["A=x=y"], ["A=z=w"], false, ["A=z=w"]),
        (["FLAG"], ["FLAG=1"], false, ["FLAG=1"]),
        ([], ["X=1"], true, ["X=1"]),
        (["X=1"], [], true, ["X=1"]),
    ] as [([String], [String], Bool, [String])])
    func mergeEnv(base: [String], updates: [String], caseInsensitive: Bool, expected: [String]) {
        #expect(ImageConfig.mergeEnv(base, updates, caseInsensitive: caseInsensitive) == expected)
    }

    @Test(arguments: [
        (HistoryEntry(), #"{}"#),
        (HistoryEntry(created: "t", createdBy: "c", comment: "m", emptyLayer: true), #"{"created":"t","created_by":"c","comment":"m","empty_layer":true}"#),
        (HistoryEntry(createdBy: "c", emptyLayer: false), #"{"created_by":"c"}"#),
    ])
    func historyEntryJSON(entry: HistoryEntry, json: String) throws {
        #expect(String(decoding: JSONValue.object(entry.jsonObject).serialized(), as: UTF8.self) == json)
        #expect(HistoryEntry(json: try JSONValue(parsing: Array(json.utf8))) == entry)
    }
}
