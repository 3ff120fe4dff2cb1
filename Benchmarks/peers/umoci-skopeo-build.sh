#!/usr/bin/env bash
# The P2 peer: the pause-like image for 3 Windows releases + linux/amd64 + linux/arm64 built with
# umoci and pushed with skopeo, then tied together by a manifest list — the same job
# `winimg build` does in one command. Used by winimg-bench (Benchmarks/winimg-bench/SuiteP2.swift).
#
#   umoci-skopeo-build.sh BASES_DIR BIN_DIR WORK_DIR REGISTRY_HOST REPO TAG
#
# BASES_DIR/<release> are OCI layouts tagged <release> (ltsc2019, ltsc2022, ltsc2025);
# BIN_DIR/{os}/{arch}/pause{exe} are the binaries; REGISTRY_HOST is host:port over plain HTTP.
#
# Per platform: a work layout (the base's blobs hard-linked, not copied: the cheapest start umoci
# allows), `umoci insert` of the binary as a new layer, `umoci config` for entrypoint/env/platform,
# `skopeo copy` to REPO:TAG-<platform> (skopeo skips blobs the registry already has, by HEAD).
# skopeo cannot create a manifest list, so the last step composes the OCI index with jq from the
# pushed manifests (digest, size, platform with os.version) and PUTs it with curl.
#
# Differences from winimg, all in the peer's favour: umoci writes a plain tar layer (no Windows
# layer format: no Files/ Hives/ prefix, no MSWINDOWS.rawsd), and the index step trusts its inputs.
set -euo pipefail
bases=$1 bin=$2 work=$3 registry=$4 repo=$5 tag=$6
rm -rf "$work" && mkdir -p "$work"
entries=()

push() { # layout, image tag, remote tag
    skopeo copy --quiet --preserve-digests --dest-tls-verify=false "oci:$1:$2" "docker://$registry/$repo:$3"
    local manifest="$work/$3.manifest.json" config
    skopeo inspect --raw "oci:$1:$2" > "$manifest"
    config=$(skopeo inspect --config --raw "oci:$1:$2")
    entries+=("$(jq -nc --arg digest "sha256:$(sha256sum < "$manifest" | cut -d' ' -f1)" \
        --argjson size "$(stat -c %s "$manifest")" --argjson config "$config" \
        '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $digest, size: $size,
          platform: ({architecture: $config.architecture, os: $config.os}
                     + (if $config["os.version"] then {"os.version": $config["os.version"]} else {} end))}')")
}

for release in ltsc2019 ltsc2022 ltsc2025; do
    layout="$work/$release"
    mkdir -p "$layout"
    cp -al "$bases/$release/blobs" "$layout/"
    cp "$bases/$release/index.json" "$bases/$release/oci-layout" "$layout/"
    stage="$work/stage-$release" && mkdir -p "$stage" && cp "$bin/windows/amd64/pause.exe" "$stage/"
    umoci insert --image "$layout:$release" "$stage/pause.exe" /Files/pause.exe
    umoci config --image "$layout:$release" --config.entrypoint 'C:\pause.exe' \
        --config.env 'PATH=C:\Windows\system32;C:\Windows;'
    push "$layout" "$release" "$tag-$release"
done

for arch in amd64 arm64; do
    layout="$work/linux-$arch"
    umoci init --layout "$layout"
    umoci new --image "$layout:$arch"
    umoci config --image "$layout:$arch" --os linux --architecture "$arch"
    umoci insert --image "$layout:$arch" "$bin/linux/$arch/pause" /pause
    umoci config --image "$layout:$arch" --config.entrypoint /pause
    push "$layout" "$arch" "$tag-linux-$arch"
done

printf '%s\n' "${entries[@]}" | jq -sc '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' \
    > "$work/index.json"
curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "@$work/index.json" \
    "http://$registry/v2/$repo/manifests/$tag" > /dev/null
