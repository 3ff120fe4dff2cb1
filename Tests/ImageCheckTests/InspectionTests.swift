import ImageCheck
import OCIModel
import Testing

@Suite struct InspectionTests {
    @Test func problemsBetweenEntryAndConfig() {
        let entry = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.20348.2762", osFeatures: ["win32k"])
        let config = Platform(os: "windows", architecture: "amd64", osVersion: "10.0.17763.6414")
        let problems = InspectedImage.problems(entry: entry, config: config)
        #expect(problems.contains { $0.contains("os.version: entry 10.0.20348.2762, config 10.0.17763.6414 (different builds") })
        #expect(problems.contains { $0 == "os.features: entry win32k, config (none)" })
        let bare = InspectedImage.problems(entry: Platform(os: "windows", architecture: "amd64"), config: nil)
        #expect(bare.first?.contains("no os.version") == true)
        #expect(InspectedImage.problems(entry: config, config: config).isEmpty)
    }
}
