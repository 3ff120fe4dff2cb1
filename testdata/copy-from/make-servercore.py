#!/usr/bin/env python3
"""Writes a Server Core-like OCI layout for the copy-from tests and benchmark.

usage: make-servercore.py OUT_DIR [BIG_MIB]
Layer 1 (base, Windows layout): Hives/, Files/Windows/System32/{ntdsapi.dll, nltest.exe,
en-US/nltest.exe.mui, old.dll, gone.dll}, Files/Windows/WinSxS/netapi32.dll with
System32/netapi32.dll a hard link to it, then Files/Windows/WinSxS/big.bin: BIG_MIB (default 24)
MiB of incompressible bytes, last, so a search that stops early never reads it.
Layer 2 (update): System32/old.dll replaced, System32/.wh.gone.dll deleting gone.dll.
Tagged ltsc2022; config windows/amd64 10.0.20348.2762. Content bytes are fixed (the big file is
seeded), so digests are the same on every run.
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
    big(tf, "Files/Windows/WinSxS/big.bin", big_mib)


def update(tf):
    for name in ["Hives", "Files", "Files/Windows", "Files/Windows/System32"]:
        d(tf, name)
    f(tf, "Files/Windows/System32/old.dll", UPDATED)
    f(tf, "Files/Windows/System32/.wh.gone.dll", b"")


blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
layers = [layer(base, blobs), layer(update, blobs)]
config = {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2762",
          "config": {"Cmd": ["c:\\windows\\system32\\cmd.exe"]},
          "rootfs": {"type": "layers", "diff_ids": [l[0] for l in layers]}}
cdigest, csize = blob(json.dumps(config, sort_keys=True).encode(), blobs)
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l[1], "size": l[2]} for l in layers]}
mdigest, msize = blob(json.dumps(manifest, sort_keys=True).encode(), blobs)
with open(os.path.join(out, "oci-layout"), "w") as fh:
    json.dump({"imageLayoutVersion": "1.0.0"}, fh)
with open(os.path.join(out, "index.json"), "w") as fh:
    json.dump({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
        "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.2762"},
        "annotations": {"org.opencontainers.image.ref.name": "ltsc2022"}}]}, fh)
print(json.dumps({"base_layer_size": layers[0][2], "update_layer_size": layers[1][2]}))
