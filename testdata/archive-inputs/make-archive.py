#!/usr/bin/env python3
"""Writes release-style archives for the archive-input tests, benign and hostile.

usage: make-archive.py KIND FORMAT OUT
  KIND    good | dotdot | absolute | drive | symlink-escape | symlink-absolute | link-then-write
          | device | hardlink-outside | bomb
  FORMAT  zip | tar | tar.gz | tar.xz
The good archive holds app/bin/tool.exe (b"tool-bytes"), app/README.txt, app/data/ (empty
directory), app/bin/alias -> tool.exe (tar formats only) and app/bin/hard, a hard link to
tool.exe (tar formats only). Hostile ones hold one bad entry after a harmless file.
"""
import io
import sys
import tarfile
import time
import zipfile

kind, fmt, out = sys.argv[1:4]
MTIME = 1_700_000_000


def tar_mode(fmt):
    return {"tar": "w", "tar.gz": "w:gz", "tar.xz": "w:xz"}[fmt]


def tar_file(tf, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, MTIME
    tf.addfile(info, io.BytesIO(data))


def tar_special(tf, name, type_, linkname="", mode=0o777):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = type_, linkname, mode, MTIME
    tf.addfile(info)


def entries():
    """(name, kind, payload) in archive order."""
    base = [("ok.txt", "file", b"fine")]
    if kind == "good":
        return [("app/", "dir", None), ("app/bin/", "dir", None), ("app/bin/tool.exe", "file", b"tool-bytes"),
                ("app/README.txt", "file", b"read me\n"), ("app/data/", "dir", None),
                ("app/bin/alias", "symlink", "tool.exe"), ("app/bin/hard", "hardlink", "app/bin/tool.exe")]
    if kind == "dotdot":
        return base + [("app/../../evil.txt", "file", b"x")]
    if kind == "absolute":
        return base + [("/tmp/evil.txt", "file", b"x")]
    if kind == "drive":
        return base + [("C:/Windows/evil.txt", "file", b"x")]
    if kind == "symlink-escape":
        return base + [("app/link", "symlink", "../../etc/passwd")]
    if kind == "symlink-absolute":
        return base + [("app/link", "symlink", "/etc/passwd")]
    if kind == "link-then-write":
        return base + [("app/", "dir", None), ("app/sub", "symlink", "."), ("app/sub/x.txt", "file", b"x")]
    if kind == "device":
        return base + [("dev/null", "chr", None)]
    if kind == "hardlink-outside":
        return base + [("app/h", "hardlink", "../../etc/passwd")]
    if kind == "bomb":
        return base + [("zeros.bin", "file", bytes(4 << 20))]
    raise SystemExit(f"unknown kind {kind}")


if fmt == "zip":
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, k, payload in entries():
            info = zipfile.ZipInfo(name, date_time=time.gmtime(MTIME)[:6])
            if k == "dir":
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
            elif k == "file":
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, payload)
            elif k == "symlink":
                info.external_attr = 0o120777 << 16
                info.create_system = 3
                zf.writestr(info, payload.encode())
            # zip has no hard links or devices; those kinds are tar-only
else:
    with tarfile.open(out, tar_mode(fmt), format=tarfile.PAX_FORMAT) as tf:
        for name, k, payload in entries():
            if k == "dir":
                tar_special(tf, name.rstrip("/"), tarfile.DIRTYPE, mode=0o755)
            elif k == "file":
                tar_file(tf, name, payload)
            elif k == "symlink":
                tar_special(tf, name, tarfile.SYMTYPE, payload)
            elif k == "hardlink":
                tar_special(tf, name, tarfile.LNKTYPE, payload, mode=0o644)
            elif k == "chr":
                tar_special(tf, name, tarfile.CHRTYPE, mode=0o666)
