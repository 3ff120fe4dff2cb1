#!/usr/bin/env python3
"""Writes a Server Core-like OCI layout for the copy-from tests and benchmark.

usage: make-servercore.py OUT_DIR [BIG_MIB]
Layer 1 (base, Windows layout): Hives/, Files/Windows/System32/{ntdsapi.dll, nltest.exe,
en-US/nltest.exe.mui, old.dll, gone.dll}, Files/Windows/WinSxS/netapi32.dll with
System32/netapi32.dll a hard link to it, the tree PS = System32/WindowsPowerShell/v1.0 (TREE
below: powershell.exe a hard link to WinSxS/powershell.exe, profile.ps1, remove.ps1,
NLTEST.EXE (System32/nltest.exe but for case), an alternate data stream
profile.ps1:Zone.Identifier, en-US/powershell.exe.mui, Modules/Old/old.psm1, Modules/Cache/stale.txt, the empty folder Empty),
then Files/Windows/WinSxS/big.bin: BIG_MIB (default 24) MiB of incompressible bytes, last, so a
search that stops early never reads it.
Layer 2 (update): System32/old.dll replaced, System32/.wh.gone.dll deleting gone.dll; in PS:
profile.ps1 replaced (spelled WINDOWSPOWERSHELL/V1.0/, as Windows layers may), .wh.remove.ps1,
Modules/.wh.Old (a whole folder), Modules/Cache opaque with fresh.txt.
Tagged ltsc2022; config windows/amd64 10.0.20348.2762. Content bytes are fixed (the big file is
seeded), so digests are the same on every run.
Tagged linux: a two-layer linux/amd64 image with the tree /opt/tool: bin/tool (replaced by
layer 2), lib/libtool.so.1, lib/libtool.so -> libtool.so.1 (symlink), lib/old.so (deleted by
layer 2), share/empty/ (an empty folder).
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

out = sys.argv[1]
big_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 24
CONTENT = {
    "Windows/WinSxS/netapi32.dll": b"netapi32 from servercore\n",
    "Windows/System32/ntdsapi.dll": b"ntdsapi from servercore\n",
    "Windows/System32/nltest.exe": b"nltest from servercore\n",
    "Windows/System32/en-US/nltest.exe.mui": b"nltest mui\n",
    "Windows/System32/old.dll": b"old version\n",
    "Windows/System32/gone.dll": b"deleted by the update\n",
}
UPDATED = b"new version\n"
PS = "Windows/System32/WindowsPowerShell/v1.0/"
TREE = {
    PS + "profile.ps1": b"profile v1\n",
    PS + "remove.ps1": b"removed by the update\n",
    PS + "en-US/powershell.exe.mui": b"powershell mui\n",
    PS + "Modules/Old/old.psm1": b"whole folder removed by the update\n",
    PS + "Modules/Cache/stale.txt": b"hidden by the opaque folder\n",
    PS + "NLTEST.EXE": b"another nltest\n",
}
POWERSHELL = b"powershell from servercore\n"
TREE_UPDATED = {PS + "profile.ps1": b"profile v2\n", PS + "Modules/Cache/fresh.txt": b"fresh\n"}
LINUX = {"opt/tool/bin/tool": b"tool v1\n", "opt/tool/lib/libtool.so.1": b"libtool\n", "opt/tool/lib/old.so": b"old\n"}
LINUX_UPDATED = {"opt/tool/bin/tool": b"tool v2\n"}


def blob(data, blobs):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def layer(write_members, blobs):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        write_members(tf)
    tar = raw.getvalue()
    diff = "sha256:" + hashlib.sha256(tar).hexdigest()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0, compresslevel=1) as g:
        g.write(tar)
    digest, size = blob(gz.getvalue(), blobs)
    return diff, digest, size


def d(tf, name):
    i = tarfile.TarInfo(name)
    i.type, i.mode = tarfile.DIRTYPE, 0o555
    tf.addfile(i)


def f(tf, name, data):
    i = tarfile.TarInfo(name)
    i.size, i.mode = len(data), 0o555
    tf.addfile(i, io.BytesIO(data))


def big(tf, name, mib):
    rng = random.Random(42)
    i = tarfile.TarInfo(name)
    i.size, i.mode = mib << 20, 0o555

    class Stream:
        left = mib << 20

        def read(self, n=-1):
            n = self.left if n < 0 else min(n, self.left)
            self.left -= n
            return rng.randbytes(n)
    tf.addfile(i, Stream())


def base(tf):
    for name in ["Hives", "Files", "Files/Windows", "Files/Windows/System32", "Files/Windows/System32/en-US",
                 "Files/Windows/WinSxS"]:
        d(tf, name)
    f(tf, "Files/Windows/WinSxS/netapi32.dll", CONTENT["Windows/WinSxS/netapi32.dll"])
    for k in ["ntdsapi.dll", "nltest.exe", "en-US/nltest.exe.mui", "old.dll", "gone.dll"]:
        f(tf, "Files/Windows/System32/" + k, CONTENT["Windows/System32/" + k])
    link = tarfile.TarInfo("Files/Windows/System32/netapi32.dll")
    link.type, link.linkname, link.mode = tarfile.LNKTYPE, "Files/Windows/WinSxS/netapi32.dll", 0o555
    tf.addfile(link)
    f(tf, "Files/Windows/WinSxS/powershell.exe", POWERSHELL)
    for name in ["WindowsPowerShell", "WindowsPowerShell/v1.0", "WindowsPowerShell/v1.0/en-US",
                 "WindowsPowerShell/v1.0/Modules", "WindowsPowerShell/v1.0/Modules/Old",
                 "WindowsPowerShell/v1.0/Modules/Cache", "WindowsPowerShell/v1.0/Empty"]:
        d(tf, "Files/Windows/System32/" + name)
    link = tarfile.TarInfo("Files/" + PS + "powershell.exe")
    link.type, link.linkname, link.mode = tarfile.LNKTYPE, "Files/Windows/WinSxS/powershell.exe", 0o555
    tf.addfile(link)
    for k, v in TREE.items():
        f(tf, "Files/" + k, v)
    f(tf, "Files/" + PS + "profile.ps1:Zone.Identifier", b"[ZoneTransfer]\r\nZoneId=3\r\n")
    big(tf, "Files/Windows/WinSxS/big.bin", big_mib)


def update(tf):
    for name in ["Hives", "Files", "Files/Windows", "Files/Windows/System32"]:
        d(tf, name)
    f(tf, "Files/Windows/System32/old.dll", UPDATED)
    f(tf, "Files/Windows/System32/.wh.gone.dll", b"")
    for name in ["WindowsPowerShell", "WindowsPowerShell/v1.0", "WindowsPowerShell/v1.0/Modules",
                 "WindowsPowerShell/v1.0/Modules/Cache"]:
        d(tf, "Files/Windows/System32/" + name)
    f(tf, "Files/Windows/System32/WINDOWSPOWERSHELL/V1.0/profile.ps1", TREE_UPDATED[PS + "profile.ps1"])
    f(tf, "Files/" + PS + ".wh.remove.ps1", b"")
    f(tf, "Files/" + PS + "Modules/.wh.Old", b"")
    f(tf, "Files/" + PS + "Modules/Cache/.wh..wh..opq", b"")
    f(tf, "Files/" + PS + "Modules/Cache/fresh.txt", TREE_UPDATED[PS + "Modules/Cache/fresh.txt"])


def linux_base(tf):
    for name in ["opt", "opt/tool", "opt/tool/bin", "opt/tool/lib", "opt/tool/share", "opt/tool/share/empty"]:
        d(tf, name)
    for k, v in LINUX.items():
        f(tf, k, v)
    link = tarfile.TarInfo("opt/tool/lib/libtool.so")
    link.type, link.linkname, link.mode = tarfile.SYMTYPE, "libtool.so.1", 0o777
    tf.addfile(link)


def linux_update(tf):
    for name in ["opt", "opt/tool", "opt/tool/bin", "opt/tool/lib"]:
        d(tf, name)
    f(tf, "opt/tool/bin/tool", LINUX_UPDATED["opt/tool/bin/tool"])
    f(tf, "opt/tool/lib/.wh.old.so", b"")


def image(layers, platform, tag):
    config = dict(platform, config={"Cmd": ["c:\\windows\\system32\\cmd.exe"] if platform["os"] == "windows" else ["/bin/sh"]},
                  rootfs={"type": "layers", "diff_ids": [l[0] for l in layers]})
    cdigest, csize = blob(json.dumps(config, sort_keys=True).encode(), blobs)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l[1], "size": l[2]} for l in layers]}
    mdigest, msize = blob(json.dumps(manifest, sort_keys=True).encode(), blobs)
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
            "platform": platform, "annotations": {"org.opencontainers.image.ref.name": tag}}


blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
layers = [layer(base, blobs), layer(update, blobs)]
windows = image(layers, {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2762"}, "ltsc2022")
linux = image([layer(linux_base, blobs), layer(linux_update, blobs)], {"architecture": "amd64", "os": "linux"}, "linux")
with open(os.path.join(out, "oci-layout"), "w") as fh:
    json.dump({"imageLayoutVersion": "1.0.0"}, fh)
with open(os.path.join(out, "index.json"), "w") as fh:
    json.dump({"schemaVersion": 2, "manifests": [windows, linux]}, fh)
print(json.dumps({"base_layer_size": layers[0][2], "update_layer_size": layers[1][2]}))
