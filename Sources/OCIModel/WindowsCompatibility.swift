/// Which Windows container images a Windows host can run.
public enum WindowsCompatibility {
    /// The LTSC releases from which Windows keeps a stable container ABI (WS2022, WS2025), ascending.
    static let stableABIReleases = [20348, 26100]

    /// Whether `host` runs `image` under process isolation, by the rule containerd uses to pick an index
    /// entry (containerd/platforms v1.0.0-rc.5, after hcsshim `osversion`; windows-format.md §3.3):
    ///
    /// - major and minor must match;
    /// - hosts before WS2022 (build 20348) need the exact same build (SAC hosts included);
    /// - a host from LTSC N up to, not including, LTSC N+1 runs images from LTSC N-1 (but never older than
    ///   WS2022) up to its own build — so never an image newer than the host.
    ///
    /// Revisions are ignored, as containerd does. HCS itself still refuses 14393 (WS2016) containers whose
    /// revision differs from the host's; Hyper-V isolation is not covered here.
    public static func runsProcessIsolated(host: WindowsVersion, image: WindowsVersion) -> Bool {
        guard host.major == image.major, host.minor == image.minor else { return false }
        guard let newest = stableABIReleases.lastIndex(where: { host.build >= $0 }) else {
            return host.build == image.build
        }
        let oldestImageBuild = stableABIReleases[max(newest - 1, 0)]
        return (oldestImageBuild...host.build).contains(image.build)
    }
}
