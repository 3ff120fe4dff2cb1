import OCIModel

/// The host/image build rule with a reason a user can act on (windows-format.md §3.2, §3.3).
enum WindowsRule {
    static func check(host: WindowsVersion, image: WindowsVersion, isolation: Isolation) -> (Bool, String) {
        let i = image.build, h = host.build
        guard host.major == image.major, host.minor == image.minor else {
            return (false, "version \(image) has major.minor \(image.major).\(image.minor) but the host has \(host.major).\(host.minor)")
        }
        if i > h {
            let how = isolation == .process ? "under process isolation" : "even under Hyper-V isolation"
            return (false, "build \(i) is newer than host build \(h): a host never runs a newer image \(how)")
        }
        if isolation == .hyperv {
            return (true, "build \(i) runs on host \(h) under Hyper-V isolation (any build up to the host's)")
        }
        let range = WindowsCompatibility.processIsolatedBuilds(hostBuild: h)
        if range.contains(i) {
            if i == h { return (true, "build \(i) matches host build \(h) (process isolation)") }
            return (true, "build \(i) runs on host \(h) under process isolation (stable ABI since Windows Server 2022: builds \(range.lowerBound)…\(h))")
        }
        if range.count == 1 {
            return (false, "build \(i) cannot run on host \(h) under process isolation: hosts before Windows Server 2022 (20348) need the same build; use a base of build \(h) or Hyper-V isolation")
        }
        return (false, "build \(i) cannot run on host \(h) under process isolation: it runs builds \(range.lowerBound)…\(h); use such a base or Hyper-V isolation")
    }
}
