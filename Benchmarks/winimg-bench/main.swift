import Foundation

// winimg-bench: issue 4. Not a test: CI never runs it.
//
//   swift build -c release --product winimg && swift run -c release winimg-bench --suite all --out Benchmarks/results/run.json
//
//   p1  layer build: winimg vs tar|pigz, tar|gzip, umoci insert; SHA-256 vs openssl speed
//   p2  build + push of a pause-like image (3 Windows releases + 2 Linux) to a local registry,
//       cold and warm, vs umoci + skopeo (Benchmarks/peers/umoci-skopeo-build.sh)
//   p3  peak RSS of building and pushing a 1 GiB layer
//   p4  no-op rebuild: first push vs an unchanged rebuild (layer cache, "up to date")
//
// Needs: apt-get install -y umoci pigz skopeo docker-registry jq curl time

let args = Array(CommandLine.arguments.dropFirst())
if args.first == "--child-build" { try SuiteP1.child(args) }

let options = Options(args)
for suite in options.suites {
    switch suite {
    case "p1": try SuiteP1.run(options)
    case "p2": try await SuiteP2.run(options)
    case "p3": try await SuiteP3.run(options)
    case "p4": try await SuiteP4.run(options)
    default: fatal("unknown suite \(suite)")
    }
}
