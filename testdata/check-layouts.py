#!/usr/bin/env python3
"""Verify the OCI image layouts under testdata/bases/ (or the layouts given).

Usage:
    python3 testdata/check-layouts.py [--schemas DIR] [LAYOUT_DIR ...]

For every layout: checks `oci-layout`, reads `index.json`, follows every
descriptor (OCI indexes, Docker manifest lists, manifests, configs, layers)
and checks that each blob present in blobs/ has the size and sha256 digest
its descriptor claims, that the document's own mediaType agrees with the
descriptor, that uncompressed layers hash to the config's rootfs.diff_ids,
that a descriptor's platform agrees with the config it leads to, that
Windows layers use the Hives/ + Files/ layout with MSWINDOWS.rawsd on every
Files/ entry, and that no blob is left unreferenced. A missing blob is only
accepted for a foreign / non-distributable layer that has `urls`; such blobs
are reported as intentionally absent.

With --schemas DIR (a directory holding the OCI image-spec JSON schemas,
e.g. image-manifest-schema.json), each document is also validated with the
`jsonschema` package: OCI-typed documents against their schema, Docker-typed
documents structurally against the OCI schema of the same shape (the schemas
constrain only the syntax of mediaType values, not the values).

Exits non-zero on any problem.
"""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zlib

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"

INDEX_TYPES = {OCI_INDEX, DOCKER_LIST}
MANIFEST_TYPES = {OCI_MANIFEST, DOCKER_MANIFEST}
CONFIG_FOR_MANIFEST = {OCI_MANIFEST: OCI_CONFIG, DOCKER_MANIFEST: DOCKER_CONFIG}
LAYER_TYPES = {
    OCI_MANIFEST: {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    },
    DOCKER_MANIFEST: {
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    },
}
FOREIGN_LAYER_TYPES = {
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
}
RAWSD_KEY = "MSWINDOWS.rawsd"

# Which OCI schema file validates which media type, and whether that is a real
# OCI validation or a structural check of a Docker-typed document.
SCHEMA_FOR = {
    OCI_INDEX: ("image-index-schema.json", "OCI"),
    DOCKER_LIST: ("image-index-schema.json", "structural"),
    OCI_MANIFEST: ("image-manifest-schema.json", "OCI"),
    DOCKER_MANIFEST: ("image-manifest-schema.json", "structural"),
    OCI_CONFIG: ("config-schema.json", "OCI"),
    DOCKER_CONFIG: ("config-schema.json", "structural"),
}


class SchemaChecker:
    """jsonschema validation against the image-spec schemas in a directory.

    The schemas are draft-04 documents that name each other by `id` and refer
    to each other with relative references such as `defs-descriptor.json`;
    every such reference resolves to a URI whose last path segment is one of
    the files, so a referencing.Registry that retrieves by that segment finds
    them all.
    """

    def __init__(self, directory):
        import jsonschema
        import referencing
        import referencing.jsonschema

        self.directory = directory
        self.jsonschema = jsonschema
        self.draft4 = referencing.jsonschema.DRAFT4
        self.Resource = referencing.Resource
        self.files = {n: os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(".json")}

        def retrieve(uri):
            name = uri.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            if name not in self.files:
                raise referencing.exceptions.NoSuchResource(ref=uri)
            return self._resource(name)

        resources = []
        for name in sorted(self.files):
            res = self._resource(name)
            resource_id = res.id()
            if resource_id:
                resources.append((resource_id, res))
        self.registry = referencing.Registry(retrieve=retrieve).with_resources(resources)
        self.validated = {}

    def _resource(self, name):
        with open(self.files[name], "rb") as f:
            return self.draft4.create_resource(json.load(f))

    def validate(self, media_type, doc, where, errors):
        if media_type == "oci-layout":
            schema_name, kind = "image-layout-schema.json", "OCI"
        elif media_type in SCHEMA_FOR:
            schema_name, kind = SCHEMA_FOR[media_type]
        else:
            return
        with open(self.files[schema_name], "rb") as f:
            schema = json.load(f)
        validator = self.jsonschema.Draft4Validator(
            schema, registry=self.registry, format_checker=self.jsonschema.Draft4Validator.FORMAT_CHECKER)
        problems = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for p in problems:
            errors.append("%s: %s schema (%s): %s at %s" % (where, schema_name, kind, p.message, list(p.path)))
        key = (media_type, schema_name, kind)
        self.validated[key] = self.validated.get(key, 0) + 1


class LayoutChecker:
    def __init__(self, root, schemas):
        self.root = root
        self.schemas = schemas
        self.errors = []
        self.notes = []
        self.seen_blobs = set()
        self.summary = []

    def err(self, msg):
        self.errors.append("%s: %s" % (self.root, msg))

    def blob_path(self, digest):
        algo, _, hexpart = digest.partition(":")
        return os.path.join(self.root, "blobs", algo, hexpart)

    def read_blob(self, desc, where):
        """Return the verified bytes of desc's blob, or None if absent/bad."""
        digest, size = desc.get("digest", ""), desc.get("size")
        if not digest.startswith("sha256:") or len(digest) != 71:
            self.err("%s: unsupported or malformed digest %r" % (where, digest))
            return None
        path = self.blob_path(digest)
        if not os.path.isfile(path):
            return None
        self.seen_blobs.add(digest)
        with open(path, "rb") as f:
            data = f.read()
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != digest:
            self.err("%s: blob %s hashes to %s" % (where, digest, actual))
        if size != len(data):
            self.err("%s: descriptor size %r but blob %s has %d bytes" % (where, size, digest, len(data)))
        return data

    def read_json_blob(self, desc, where):
        data = self.read_blob(desc, where)
        if data is None:
            self.err("%s: blob %s is missing" % (where, desc.get("digest")))
            return None
        try:
            return json.loads(data)
        except ValueError as e:
            self.err("%s: blob %s is not JSON: %s" % (where, desc.get("digest"), e))
            return None

    def validate(self, media_type, doc, where):
        if self.schemas is not None:
            self.schemas.validate(media_type, doc, "%s: %s" % (self.root, where), self.errors)

    def run(self):
        layout_file = os.path.join(self.root, "oci-layout")
        try:
            with open(layout_file, "rb") as f:
                layout = json.load(f)
        except (OSError, ValueError) as e:
            self.err("oci-layout unreadable: %s" % e)
            return
        if layout != {"imageLayoutVersion": "1.0.0"}:
            self.err("oci-layout is %r" % layout)
        self.validate("oci-layout", layout, "oci-layout")
        try:
            with open(os.path.join(self.root, "index.json"), "rb") as f:
                top = json.load(f)
        except (OSError, ValueError) as e:
            self.err("index.json unreadable: %s" % e)
            return
        # mediaType is optional in index.json (image-index.md: SHOULD); skopeo leaves it out.
        if top.get("mediaType", OCI_INDEX) != OCI_INDEX:
            self.err("index.json mediaType is %r" % top.get("mediaType"))
        self.validate(OCI_INDEX, top, "index.json")
        self.check_index_doc(top, "index.json", None)
        for desc in top.get("manifests", []):
            tag = (desc.get("annotations") or {}).get("org.opencontainers.image.ref.name")
            self.follow(desc, "index.json[%s]" % tag, None, tag=tag)
        self.check_orphans()

    def check_index_doc(self, doc, where, expected_type):
        if doc.get("schemaVersion") != 2:
            self.err("%s: schemaVersion %r" % (where, doc.get("schemaVersion")))
        if expected_type is not None and doc.get("mediaType") != expected_type:
            self.err("%s: document mediaType %r differs from descriptor %r"
                     % (where, doc.get("mediaType"), expected_type))

    def follow(self, desc, where, parent_platform, tag=None):
        mt = desc.get("mediaType")
        platform = desc.get("platform") or parent_platform
        if mt in INDEX_TYPES:
            doc = self.read_json_blob(desc, where)
            if doc is None:
                return
            self.validate(mt, doc, where)
            self.check_index_doc(doc, where, mt)
            if tag is not None:
                self.summary.append("tag %-13s %s %s" % (tag, mt, desc["digest"]))
            if mt == DOCKER_LIST:
                for child in doc.get("manifests", []):
                    if child.get("mediaType") not in MANIFEST_TYPES - {OCI_MANIFEST}:
                        self.err("%s: Docker manifest list entry of type %r" % (where, child.get("mediaType")))
            for i, child in enumerate(doc.get("manifests", [])):
                self.follow(child, "%s -> [%d]" % (where, i), platform)
        elif mt in MANIFEST_TYPES:
            self.check_manifest(desc, where, platform, tag)
        else:
            self.err("%s: unexpected mediaType %r in an index" % (where, mt))

    def check_manifest(self, desc, where, platform, tag):
        mt = desc["mediaType"]
        doc = self.read_json_blob(desc, where)
        if doc is None:
            return
        self.validate(mt, doc, where)
        if doc.get("schemaVersion") != 2:
            self.err("%s: schemaVersion %r" % (where, doc.get("schemaVersion")))
        if doc.get("mediaType") != mt:
            self.err("%s: document mediaType %r differs from descriptor %r" % (where, doc.get("mediaType"), mt))
        cdesc = doc.get("config") or {}
        if cdesc.get("mediaType") != CONFIG_FOR_MANIFEST[mt]:
            self.err("%s: config mediaType %r in a %s" % (where, cdesc.get("mediaType"), mt))
        config = self.read_json_blob(cdesc, where + " config")
        if config is None:
            return
        self.validate(cdesc.get("mediaType"), config, where + " config")
        self.check_platform(platform, config, where)
        diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
        layers = doc.get("layers") or []
        if len(diff_ids) != len(layers):
            self.err("%s: %d layers but %d diff_ids" % (where, len(layers), len(diff_ids)))
        history = [h for h in config.get("history") or [] if not h.get("empty_layer")]
        if history and len(history) != len(layers):
            self.err("%s: %d layers but %d non-empty history entries" % (where, len(layers), len(history)))
        if tag is not None:
            self.summary.append("tag %-13s %s" % (tag, mt))
        absent = 0
        for i, ldesc in enumerate(layers):
            lwhere = "%s layer[%d]" % (where, i)
            lmt = ldesc.get("mediaType")
            if lmt not in LAYER_TYPES[mt]:
                self.err("%s: layer mediaType %r in a %s" % (lwhere, lmt, mt))
            data = self.read_blob(ldesc, lwhere)
            if data is None:
                if lmt in FOREIGN_LAYER_TYPES and ldesc.get("urls"):
                    absent += 1
                    self.notes.append("%s: %s: foreign layer %s (%d bytes) intentionally absent; urls %s"
                                      % (self.root, lwhere, ldesc.get("digest"), ldesc.get("size", -1),
                                         ldesc["urls"]))
                else:
                    self.err("%s: blob %s is missing" % (lwhere, ldesc.get("digest")))
                continue
            self.check_layer(data, lmt, diff_ids[i] if i < len(diff_ids) else None,
                             config.get("os"), lwhere)
        self.summary.append(
            "  manifest %s %s\n    config %s  os=%s arch=%s%s os.version=%s layers=%d%s" % (
                desc["digest"], mt, cdesc.get("digest"), config.get("os"), config.get("architecture"),
                ("/" + config["variant"]) if config.get("variant") else "",
                config.get("os.version", "-"), len(layers),
                (" (%d foreign, absent)" % absent) if absent else ""))

    def check_platform(self, platform, config, where):
        if not platform:
            return
        for key in ("os", "architecture", "os.version", "variant"):
            if key in platform and platform[key] != config.get(key):
                self.err("%s: platform %s=%r but config has %r" % (where, key, platform[key], config.get(key)))
        if config.get("os") == "windows" and "os.version" not in platform:
            self.err("%s: Windows platform without os.version" % where)

    def check_layer(self, data, media_type, diff_id, os_name, where):
        if media_type.endswith("gzip"):
            try:
                raw = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as e:
                self.err("%s: not gzip: %s" % (where, e))
                return
        elif media_type.endswith("zstd"):
            # The zstd tool (an independent decoder) also checks each frame's content checksum.
            r = subprocess.run(["zstd", "-d", "-c", "-q"], input=data, capture_output=True)
            if r.returncode != 0:
                self.err("%s: not zstd: %s" % (where, r.stderr.decode(errors="replace").strip()))
                return
            raw = r.stdout
        elif media_type.endswith(".tar"):
            raw = data
        else:
            self.notes.append("%s: %s: cannot decompress %s; diff_id not checked" % (self.root, where, media_type))
            return
        actual = "sha256:" + hashlib.sha256(raw).hexdigest()
        if actual != diff_id:
            self.err("%s: uncompressed digest %s but diff_id %s" % (where, actual, diff_id))
        try:
            with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
                members = tar.getmembers()
        except tarfile.TarError as e:
            self.err("%s: bad tar: %s" % (where, e))
            return
        if os_name != "windows":
            return
        names = [m.name.rstrip("/") for m in members]
        if names[:2] != ["Hives", "Files"]:
            self.err("%s: Windows layer starts with %r, want ['Hives', 'Files']" % (where, names[:2]))
        seen = set()
        for m, name in zip(members, names):
            if name in ("Hives", "Files"):
                seen.add(name)
                continue
            top, _, _ = name.partition("/")
            if top not in ("Hives", "Files"):
                self.err("%s: entry %r outside Hives/ and Files/" % (where, m.name))
            parent = name.rsplit("/", 1)[0]
            if parent not in seen:
                self.err("%s: entry %r appears before its parent directory" % (where, m.name))
            if m.isdir():
                seen.add(name)
            if top == "Files" and RAWSD_KEY not in m.pax_headers:
                self.err("%s: entry %r has no %s" % (where, m.name, RAWSD_KEY))

    def check_orphans(self):
        blob_dir = os.path.join(self.root, "blobs", "sha256")
        for name in sorted(os.listdir(blob_dir)):
            if "sha256:" + name not in self.seen_blobs:
                self.err("unreferenced blob sha256:%s" % name)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    schemas_dir = None
    layouts = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--schemas" and args:
            schemas_dir = args.pop(0)
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            layouts.append(a)
    if not layouts:
        bases = os.path.join(here, "bases")
        layouts = [os.path.join(bases, n) for n in sorted(os.listdir(bases))
                   if os.path.isfile(os.path.join(bases, n, "oci-layout"))]
    schemas = None
    if schemas_dir is not None:
        schemas = SchemaChecker(schemas_dir)
    else:
        print("note: no --schemas DIR given; JSON schema validation skipped")

    errors, notes = [], []
    for root in layouts:
        checker = LayoutChecker(root, schemas)
        checker.run()
        status = "OK" if not checker.errors else "FAILED"
        print("%s  %s (%d blobs verified)" % (status, root, len(checker.seen_blobs)))
        for line in checker.summary:
            print("  " + line)
        errors.extend(checker.errors)
        notes.extend(checker.notes)
    for n in notes:
        print("note: " + n)
    if schemas is not None:
        for (mt, schema, kind), count in sorted(schemas.validated.items()):
            print("schema: %3d x %-60s against %-27s (%s)" % (count, mt, schema, kind))
    for e in errors:
        print("ERROR: " + e, file=sys.stderr)
    print("%d layout(s), %d error(s)" % (len(layouts), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
