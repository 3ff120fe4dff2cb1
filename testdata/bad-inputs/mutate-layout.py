#!/usr/bin/env python3
"""Copy an OCI layout and break it in one named way, for the bad-input corpus.

usage: mutate-layout.py SRC DST OPERATION [ARG]

The layout's first index.json entry is the image that gets broken. Operations that change a
document re-hash it and fix every reference to it, so exactly one thing is wrong at a time:

  copy                    copy unchanged
  corrupt-manifest        flip a byte of the manifest blob (its digest no longer matches)
  wrong-size              index.json states the manifest size + 1
  manifest-text TEXT      replace the manifest with TEXT (re-hashed)
  big-manifest MIB        pad the manifest JSON with whitespace to MIB MiB (re-hashed)
  config-drop KEY         delete a top-level config key (e.g. os.version), re-hash config + manifest
  config-set KEY JSON     set a top-level config key to a JSON value, re-hash config + manifest
  remove-config           delete the config blob
  media-type TYPE         change the manifest's media type in index.json
  remove-index            delete index.json
  index-text TEXT         replace index.json with TEXT
"""
import hashlib
import json
import os
import shutil
import sys


def blob_path(root, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(root, "blobs", algo, hexd)


def put_blob(root, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(root, digest), "wb") as f:
        f.write(data)
    return digest


def load_index(root):
    with open(os.path.join(root, "index.json"), "rb") as f:
        return json.load(f)


def save_index(root, index):
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))


def replace_manifest(root, index, data):
    entry = index["manifests"][0]
    entry["digest"] = put_blob(root, data)
    entry["size"] = len(data)
    save_index(root, index)


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    src, dst, op, args = argv[1], argv[2], argv[3], argv[4:]
    shutil.copytree(src, dst)
    index = load_index(dst)
    entry = index["manifests"][0]
    manifest_path = blob_path(dst, entry["digest"])
    with open(manifest_path, "rb") as f:
        manifest_bytes = f.read()

    if op == "copy":
        pass
    elif op == "corrupt-manifest":
        data = bytearray(manifest_bytes)
        data[len(data) // 2] ^= 0x20
        os.chmod(manifest_path, 0o644)
        with open(manifest_path, "wb") as f:
            f.write(bytes(data))
    elif op == "wrong-size":
        entry["size"] += 1
        save_index(dst, index)
    elif op == "manifest-text":
        replace_manifest(dst, index, args[0].encode())
    elif op == "big-manifest":
        pad = b" " * (int(args[0]) * 1024 * 1024)
        replace_manifest(dst, index, manifest_bytes[:-1] + pad + manifest_bytes[-1:])
    elif op in ("config-drop", "config-set", "remove-config"):
        manifest = json.loads(manifest_bytes)
        config_path = blob_path(dst, manifest["config"]["digest"])
        if op == "remove-config":
            os.remove(config_path)
            return
        with open(config_path, "rb") as f:
            config = json.load(f)
        if op == "config-drop":
            config.pop(args[0], None)
        else:
            config[args[0]] = json.loads(args[1])
        data = json.dumps(config, separators=(",", ":")).encode()
        manifest["config"]["digest"] = put_blob(dst, data)
        manifest["config"]["size"] = len(data)
        replace_manifest(dst, index, json.dumps(manifest, separators=(",", ":")).encode())
    elif op == "media-type":
        entry["mediaType"] = args[0]
        save_index(dst, index)
    elif op == "remove-index":
        os.remove(os.path.join(dst, "index.json"))
    elif op == "index-text":
        with open(os.path.join(dst, "index.json"), "w") as f:
            f.write(args[0])
    else:
        sys.exit("unknown operation " + op)


if __name__ == "__main__":
    main(sys.argv)
