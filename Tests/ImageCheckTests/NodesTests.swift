import Foundation
import ImageCheck
import OCIModel
import Testing

@Suite struct NodesTests {
    @Test func fixtureNodes() throws {
        let hosts = try KubernetesNodes.hosts(file: Fixtures.nodesFile)
        #expect(hosts.map(\.name) == ["akswin19000000", "akswin22000000", "akswin25000000", "win22-nolabel",
                                      "aks-system-12345678-vmss000000", "aks-arm-87654321-vmss000000"])
        #expect(hosts.map(\.os) == ["windows", "windows", "windows", "windows", "linux", "linux"])
        #expect(hosts.map(\.architecture) == ["amd64", "amd64", "amd64", "amd64", "amd64", "arm64"])
        // The label gives the build; the revision comes from kernelVersion; without the label, kernelVersion.
        #expect(hosts.map { $0.windowsVersion?.description } == ["10.0.17763.6414", "10.0.20348.2762", "10.0.26100.2314",
                                                                "10.0.20348.2849", nil, nil])
        #expect(hosts.allSatisfy { $0.isolation == .process })
    }

    @Test func osImageFallbackAndSingleNode() throws {
        let node = """
        {"kind":"Node","apiVersion":"v1","metadata":{"name":"w","labels":{"kubernetes.io/os":"windows","kubernetes.io/arch":"amd64"}},
         "status":{"nodeInfo":{"osImage":"Windows Server 2025 Datacenter","kernelVersion":"","operatingSystem":"windows","architecture":"amd64"}}}
        """
        let hosts = try KubernetesNodes.hosts(data: Data(node.utf8))
        #expect(hosts.map { $0.windowsVersion?.description } == ["10.0.26100"])
    }

    @Test func windowsNodeWithoutBuild() throws {
        let list = """
        {"items":[{"metadata":{"name":"mystery","labels":{"kubernetes.io/os":"windows","kubernetes.io/arch":"amd64"}},
                   "status":{"nodeInfo":{"osImage":"Windows Server Datacenter"}}}]}
        """
        #expect(throws: CheckError.nodeWithoutBuild(node: "mystery")) { try KubernetesNodes.hosts(data: Data(list.utf8)) }
        let e = CheckError.nodeWithoutBuild(node: "mystery").description
        #expect(e.contains("kubectl label node mystery node.kubernetes.io/windows-build="))
    }

    @Test(arguments: ["not json", "[]", #"{"items":[{"metadata":{}}]}"#, #"{"items":[{"metadata":{"name":"x"}}]}"#])
    func invalidNodeLists(text: String) {
        #expect(throws: CheckError.self) { try KubernetesNodes.hosts(data: Data(text.utf8), file: "n.json") }
    }

    @Test func missingFile() {
        #expect(throws: CheckError.self) { try KubernetesNodes.hosts(file: "/nonexistent/nodes.json") }
    }
}
