// Test support: real registry harness, skopeo wrapper, schema validation.
