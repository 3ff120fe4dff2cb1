#!/usr/bin/env python3
"""copy-from memory and cache benchmark (not run by CI; results in BENCHMARKS.md).

usage: Benchmarks/copy-from-rss.py [--winimg PATH] [--big-mib N]
Generates the Server Core-like source (testdata/copy-from/make-servercore.py) with an N MiB
(default 256) incompressible file in its base layer, pushes it to a fresh docker-registry on
127.0.0.1, and runs `winimg build` four times under /usr/bin/time -v, printing wall time, peak
RSS and layer bytes read:
  glob     a pattern (/Windows/System32/en-US/*.mui): every layer read to its end
  exact    exact paths: reading stops at the last one, before the big file
  tree     a folder (/Windows/System32/WindowsPowerShell) with its tree: every layer read to its
           end, plus a second pass for a hard link that stops at its target
  cached   the glob build again: served from the cache, no layer read
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--winimg", default=os.path.join(ROOT, ".build/debug/winimg"))
ap.add_argument("--big-mib", type=int, default=256)
args = ap.parse_args()

work = tempfile.mkdtemp(prefix="winimg-copyfrom-bench-")
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
sock.close()
with open(os.path.join(work, "registry.yml"), "w") as f:
    f.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
            f"    rootdirectory: {work}/data\nhttp:\n  addr: 127.0.0.1:{port}\n")
registry = subprocess.Popen(["/usr/bin/docker-registry", "serve", os.path.join(work, "registry.yml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    sizes = json.loads(subprocess.check_output([sys.executable, os.path.join(ROOT, "testdata/copy-from/make-servercore.py"),
                                                os.path.join(work, "sc"), str(args.big_mib)]))
    host = f"127.0.0.1:{port}"
    subprocess.check_call(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests",
                           f"oci:{work}/sc:ltsc2022", f"docker://{host}/servercore:ltsc2022"])
    print(f"source base layer: {sizes['base_layer_size'] / 2**20:.1f} MiB compressed ({args.big_mib} MiB big file)")
    env = dict(os.environ, WINIMG_CACHE_DIR=os.path.join(work, "cache"))
    base = "oci:" + os.path.join(ROOT, "testdata/bases/nanoserver-ltsc2022") + ":ltsc2022"

    def build(name, paths, tag):
        cmd = ["/usr/bin/time", "-v", args.winimg, "build", "--platform", "windows/amd64:ltsc2022",
               "--base", f"windows={base}", "--insecure-registry", host, "--format", "json", "-q",
               "--copy-from", f"image={host}/servercore:{{release}}," + ",".join(f"path={p}" for p in paths) + ",dst=/Windows/System32/",
               "-t", f"oci:{work}/out-{tag}"]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{name}: {r.stderr}")
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr).group(1)
        stats = json.loads(r.stdout)["copyFrom"]
        print(f"{name:7s} wall {wall:>8s}  peak RSS {rss / 1024:6.1f} MiB  layer bytes read {stats['layerBytesRead'] / 2**20:7.1f} MiB  cache hits {stats['cacheHits']}")

    build("glob", ["/Windows/System32/ntdsapi.dll", "/Windows/System32/en-US/*.mui"], "glob")
    build("exact", ["/Windows/System32/netapi32.dll", "/Windows/System32/nltest.exe"], "exact")
    build("tree", ["/Windows/System32/WindowsPowerShell"], "tree")
    build("cached", ["/Windows/System32/ntdsapi.dll", "/Windows/System32/en-US/*.mui"], "cached")
finally:
    registry.terminate()
    registry.wait()
    shutil.rmtree(work, ignore_errors=True)
