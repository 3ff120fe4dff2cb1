/// Errors of `winimg index create` / `append`. Each names the offending image and says how to fix it.
public enum IndexError: Error, Sendable, CustomStringConvertible, Equatable {
    case noImages
    case duplicatePlatform(platform: String, first: String, second: String, append: Bool)
    case mixedMediaTypes(docker: [String], oci: [String])
    case dockerListWithOCIChild(image: String, mediaType: String)
    case unsupportedDocument(image: String, mediaType: String, reason: String)
    case nestedIndex(image: String, digest: String)
    case noMatchingEntries(image: String, filters: [String], available: [String])
    case filterMatchedNothing(String)
    case targetMissing(String)
    case targetNotAnIndex(String, mediaType: String)
    case targetHasNoTag(String)
    case invalidAnnotation(String)
    case configUnreadable(image: String, reason: String)

    public var description: String {
        switch self {
        case .noImages:
            return "no images given; name at least one image, e.g. winimg index create -t REGISTRY/app:1.0 REGISTRY/app:1.0-ltsc2022"
        case let .duplicatePlatform(platform, first, second, append):
            let fix = append
                ? "drop one of them, or pass --replace to replace the entry already in the index"
                : "drop one of them (a host would only ever pull one)"
            return "platform \(platform) appears twice: in \(first) and in \(second); \(fix)"
        case let .mixedMediaTypes(docker, oci):
            return "the images mix Docker (\(docker.joined(separator: ", "))) and OCI (\(oci.joined(separator: ", "))) manifests; pass --index-type oci to list them all in an OCI index (the images themselves are never changed)"
        case let .dockerListWithOCIChild(image, mediaType):
            return "a Docker manifest list cannot list \(image) (\(mediaType)); pass --index-type oci to write an OCI index instead (the images themselves are never changed)"
        case let .unsupportedDocument(image, mediaType, reason):
            return "\(image) is not a container image (\(mediaType)): \(reason)"
        case let .nestedIndex(image, digest):
            return "\(image) lists another index (\(digest)); give that index by digest instead"
        case let .noMatchingEntries(image, filters, available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "\(image) has no entry for --platform \(filters.joined(separator: ", ")) (entries: \(list)); fix --platform or drop the image"
        case let .filterMatchedNothing(filter):
            return "--platform \(filter) matches no entry of any image; fix or remove it"
        case let .targetMissing(target):
            return "\(target) does not exist yet; create it with winimg index create"
        case let .targetNotAnIndex(target, mediaType):
            return "\(target) is a single image (\(mediaType)), not an index; make one with winimg index create -t \(target) \(target) IMAGE…"
        case let .targetHasNoTag(target):
            return "target \(target) names a digest; give a tag (REGISTRY/REPO:TAG or oci:DIR:TAG), since an index is published under a tag"
        case let .invalidAnnotation(text):
            return "invalid --annotation '\(text)': write KEY=VALUE, e.g. --annotation org.opencontainers.image.version=1.0"
        case let .configUnreadable(image, reason):
            return "cannot read the config of \(image): \(reason); rebuild or copy the image again, or leave it out of the index"
        }
    }
}
