// The JSON Schema of the build spec file, for editors (yaml-language-server) and CI validation.
// docs/winimg.schema.json holds the same text; a test keeps the two equal and in step with the
// keys `BuildSpec.parse` accepts. Regenerate the docs copy with `winimg schema > docs/winimg.schema.json`.

extension BuildSpec {
    /// JSON Schema (draft-07) of `winimg.yaml`.
    public static let jsonSchema = #"""
{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "winimg.schema.json",
  "title": "winimg build spec (winimg.yaml)",
  "description": "The file given to `winimg build -f`. Every key has a `winimg build` flag of the same name; flags override the file. See docs/build.md.",
  "type": "object",
  "additionalProperties": false,
  "definitions": {
    "stringOrList": {
      "description": "A string or a list of strings (a single string is a one-item list).",
      "oneOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": "string" } }
      ]
    },
    "envList": {
      "description": "KEY=VALUE strings.",
      "oneOf": [
        { "type": "string", "pattern": "^[^=]+=" },
        { "type": "array", "items": { "type": "string", "pattern": "^[^=]+=" } }
      ]
    },
    "stringMap": {
      "type": "object",
      "additionalProperties": { "type": "string" }
    },
    "location": {
      "description": "A registry reference (registry/repo:tag or @sha256:…), oci:DIR[:TAG], or scratch.",
      "type": "string",
      "minLength": 1
    }
  },
  "properties": {
    "platforms": {
      "description": "Target platforms: windows/amd64:RELEASE (ltsc2019, ltsc2022, ltsc2025, 1903, 1909, 2004, 20H2, a build number or 10.0.BUILD[.REV]) and os/arch[/variant][+zstd] for Linux (+zstd: zstd-compressed layer, OCI bases only).",
      "oneOf": [
        { "type": "string", "pattern": "^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?(:[^+]+)?(\\+(gzip|zstd))?$" },
        { "type": "array", "minItems": 1, "items": { "type": "string", "pattern": "^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?(:[^+]+)?(\\+(gzip|zstd))?$" } }
      ]
    },
    "bases": {
      "description": "Base image per platform selector (windows:ltsc2022, windows, linux/arm64, linux); the most specific selector wins.",
      "type": "object",
      "additionalProperties": { "$ref": "#/definitions/location" }
    },
    "add": {
      "description": "Host files put into the new layer: 'SRC:DST', {src, dst, only, mode} or {archive, dst, only, mode}. Paths may use {os} {arch} {variant} {exe} {release} {build}.",
      "type": "array",
      "items": {
        "oneOf": [
          { "type": "string", "pattern": "^[^:]+:.+$" },
          {
            "type": "object",
            "additionalProperties": false,
            "required": ["dst"],
            "oneOf": [ { "required": ["src"] }, { "required": ["archive"] } ],
            "properties": {
              "src": { "type": "string", "minLength": 1, "description": "Host path (file or directory), relative to the spec file. A .zip/.tar/.tar.gz/.tar.xz with a dst ending in / is unpacked." },
              "archive": { "type": "string", "minLength": 1, "description": "A .zip, .tar, .tar.gz or .tar.xz unpacked into dst (entries leaving it are refused)." },
              "dst": { "type": "string", "minLength": 1, "description": "Container path with / separators." },
              "only": { "type": "string", "description": "Platform selector this entry is limited to (windows, linux/arm64, windows:ltsc2022)." },
              "mode": {
                "description": "Octal permission bits, e.g. \"0755\".",
                "oneOf": [
                  { "type": "string", "pattern": "^(0o)?[0-7]{1,4}$" },
                  { "type": "integer", "minimum": 0, "maximum": 7777 }
                ]
              }
            }
          }
        ]
      }
    },
    "copy-from": {
      "description": "Files taken from other images' layers (e.g. DLLs from Server Core): {image, paths, dst, only}. image may use {release} etc.",
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["image", "paths"],
        "properties": {
          "image": { "$ref": "#/definitions/location" },
          "paths": { "$ref": "#/definitions/stringOrList", "description": "Paths in the source image: a file, a folder (its whole tree) or a pattern; * ? [..] match within one name, ** any number of folders." },
          "dst": { "type": "string", "minLength": 1, "description": "Container folder each path lands in under its own name (a folder with its tree); for one exact path without a trailing /, its new name (a folder's contents land there); default: the same path." },
          "only": { "type": "string", "description": "Platform selector this entry is limited to." }
        }
      }
    },
    "entrypoint": { "$ref": "#/definitions/stringOrList", "description": "Exec-form entrypoint; replaces the base's Cmd as a Dockerfile ENTRYPOINT does." },
    "cmd": { "$ref": "#/definitions/stringOrList", "description": "Exec-form default arguments." },
    "env": { "$ref": "#/definitions/envList", "description": "Environment for every platform." },
    "env-windows": { "$ref": "#/definitions/envList", "description": "Environment for Windows platforms only (e.g. a Windows PATH)." },
    "env-linux": { "$ref": "#/definitions/envList", "description": "Environment for Linux platforms only." },
    "labels": { "$ref": "#/definitions/stringMap", "description": "Config labels." },
    "user": { "type": "string", "description": "Config user (ContainerUser, ContainerAdministrator on Windows)." },
    "workdir": { "type": "string", "description": "Config working directory." },
    "tags": {
      "description": "Destinations: registry references or oci:DIR[:TAG]. Each gets the whole index.",
      "oneOf": [
        { "$ref": "#/definitions/location" },
        { "type": "array", "minItems": 1, "items": { "$ref": "#/definitions/location" } }
      ]
    },
    "insecure-registries": { "$ref": "#/definitions/stringOrList", "description": "Registries (host[:port]) that may be reached over plain HTTP." }
  }
}
"""#
}
