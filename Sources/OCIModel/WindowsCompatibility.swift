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
    /// revision differs from the host's; for Hyper-V isolation see `runsHyperVIsolated`.
    public static func runsProcessIsolated(host: WindowsVersion, image: WindowsVersion) -> Bool {
        guard host.major == image.major, host.minor == image.minor else { return false }
        return processIsolatedBuilds(hostBuild: host.build).contains(image.build)
    }

    /// The image builds a host of `hostBuild` runs under process isolation (same major.minor assumed):
    /// just its own build before WS2022, otherwise from the previous stable-ABI LTSC up to its own build.
    public static func processIsolatedBuilds(hostBuild: Int) -> ClosedRange<Int> {
        guard let newest = stableABIReleases.lastIndex(where: { hostBuild >= $0 }) else {
            return hostBuild...hostBuild
        }
        return stableABIReleases[max(newest - 1, 0)]...hostBuild
    }

    /// Whether `host` runs `image` under Hyper-V isolation: the utility VM brings the image's kernel, so
    /// any image build up to the host's runs, never a newer one (windows-format.md §3.2: a WS2019 host
    /// cannot run WS2022 images even with Hyper-V; Windows 11 runs WS2025 images only from 26100 on).
    public static func runsHyperVIsolated(host: WindowsVersion, image: WindowsVersion) -> Bool {
        host.major == image.major && host.minor == image.minor && image.build <= host.build
    }
}
