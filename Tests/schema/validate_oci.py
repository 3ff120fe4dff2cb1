#!/usr/bin/env python3
"""Validate OCI documents against the image-spec JSON schemas.

usage: validate_oci.py [--schemas DIR] KIND FILE...
  KIND: manifest | index | config | layout | descriptor
  DIR:  directory holding the image-spec schema files (default: ../shared/oci-schemas
        relative to the repository root, i.e. a sibling "shared" checkout)

Exit status: 0 when every FILE is valid, 1 when any is invalid (messages on stderr),
2 for usage errors (unknown KIND, missing schema directory, unreadable file).

The schemas are draft-04 and refer to each other by relative names ("content-descriptor.json",
"defs.json#/..."), resolved against their "id"s, which live under several base URIs
(https://opencontainers.org/schema/, .../schema/image/, ...). Every file is therefore registered
under its own id and under FILENAME at every base directory that any id in the set implies.
"""
import argparse
import json
import os
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

KINDS = {
    "manifest": "image-manifest-schema.json",
    "index": "image-index-schema.json",
    "config": "config-schema.json",
    "layout": "image-layout-schema.json",
    "descriptor": "content-descriptor.json",
}

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_SCHEMAS = os.path.join(REPO_ROOT, "..", "shared", "oci-schemas")


def collect_ids(node, found):
    """Every draft-04 "id" string anywhere in a schema."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            found.add(node["id"])
        for value in node.values():
            collect_ids(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_ids(value, found)


def load_registry(schema_dir):
    contents = {}
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith(".json"):
            with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
                contents[name] = json.load(f)
    ids = set()
    for schema in contents.values():
        collect_ids(schema, ids)
    bases = {uri.rsplit("/", 1)[0] + "/" for uri in ids if "/" in uri}
    registry = Registry()
    for name, schema in contents.items():
        resource = Resource.from_contents(schema, default_specification=DRAFT4)
        uris = {name} | {base + name for base in bases}
        if isinstance(schema.get("id"), str):
            uris.add(schema["id"])
        registry = registry.with_resources((uri, resource) for uri in uris)
    return contents, registry


def main(argv):
    parser = argparse.ArgumentParser(description="Validate OCI documents against the image-spec schemas.")
    parser.add_argument("--schemas", default=DEFAULT_SCHEMAS, help="directory with the image-spec *.json schemas")
    parser.add_argument("kind", choices=sorted(KINDS), metavar="KIND", help=" | ".join(sorted(KINDS)))
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)

    if not os.path.isdir(args.schemas):
        print(f"schema directory not found: {args.schemas} (pass --schemas DIR)", file=sys.stderr)
        return 2
    contents, registry = load_registry(args.schemas)
    schema_name = KINDS[args.kind]
    if schema_name not in contents:
        print(f"{schema_name} is missing from {args.schemas}", file=sys.stderr)
        return 2
    schema = contents[schema_name]
    validator = jsonschema.Draft4Validator(schema, registry=registry,
                                           format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

    failed = False
    for path in args.files:
        try:
            with open(path, encoding="utf-8") as f:
                document = json.load(f)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read JSON: {error}", file=sys.stderr)
            return 2
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            location = "/".join(str(p) for p in error.absolute_path) or "(root)"
            print(f"{path}: {args.kind}: {location}: {error.message}", file=sys.stderr)
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
