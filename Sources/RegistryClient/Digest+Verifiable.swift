import OCIModel

extension Digest {
    /// Throws `RegistryError.unsupportedDigest` unless we can compute this algorithm.
    func requireVerifiable() throws {
        guard algorithm == "sha256" else { throw RegistryError.unsupportedDigest(self) }
    }
}
