extension ImageConfig {
    /// `config.Env`, `KEY=VALUE` strings; empty when absent. Setting an empty list on a config without
    /// `Env` leaves it absent, so an untouched base is written back as it was.
    public var env: [String] {
        get { execution["Env"]?.stringArrayValue ?? [] }
        set {
            if newValue.isEmpty && execution["Env"] == nil { return }
            execution["Env"] = .strings(newValue)
        }
    }

    /// `config.Entrypoint`; nil removes it.
    public var entrypoint: [String]? {
        get { execution["Entrypoint"]?.stringArrayValue }
        set { setExecution("Entrypoint", newValue.map { .strings($0) }) }
    }

    /// `config.Cmd`; nil removes it.
    public var cmd: [String]? {
        get { execution["Cmd"]?.stringArrayValue }
        set { setExecution("Cmd", newValue.map { .strings($0) }) }
    }

    /// `config.User`, e.g. `ContainerUser` on nanoserver; nil removes it.
    public var user: String? {
        get { execution["User"]?.stringValue }
        set { setExecution("User", newValue.map { .string($0) }) }
    }

    /// `config.WorkingDir`; nil removes it.
    public var workingDir: String? {
        get { execution["WorkingDir"]?.stringValue }
        set { setExecution("WorkingDir", newValue.map { .string($0) }) }
    }

    /// `config.Labels`; non-string values are skipped on read. Written with keys sorted so output is
    /// reproducible; setting an empty map on a config without labels leaves them absent.
    public var labels: [String: String] {
        get {
            var result: [String: String] = [:]
            for (key, value) in execution["Labels"]?.objectValue ?? JSONObject() {
                if let s = value.stringValue { result[key] = s }
            }
            return result
        }
        set {
            if newValue.isEmpty && execution["Labels"] == nil { return }
            execution["Labels"] = .object(JSONObject.sortedStrings(newValue))
        }
    }

    /// Sets or removes one key of `config`; removing from a config without that key changes nothing
    /// (in particular it does not add an empty `config` object).
    private mutating func setExecution(_ key: String, _ value: JSONValue?) {
        if value == nil && execution[key] == nil { return }
        execution[key] = value
    }

    /// The `config` object (container defaults). Docker writes `"config": null` for some images, so a
    /// missing or non-object value reads as empty and is replaced by an object on the first write.
    private var execution: JSONValue {
        get { json["config"]?.objectValue.map(JSONValue.object) ?? .object(JSONObject()) }
        set { json["config"] = newValue }
    }

    /// Merges `KEY=VALUE` updates into `base`: an update replaces the existing entry for its key in place,
    /// a new key is appended; later updates win over earlier ones.
    ///
    /// - Parameter caseInsensitive: compare keys ignoring case, as Windows does (`Path` and `PATH` are
    ///   one variable); use `true` for Windows images.
    public static func mergeEnv(_ base: [String], _ updates: [String], caseInsensitive: Bool = false) -> [String] {
        func key(_ entry: String) -> String {
            let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
            return caseInsensitive ? name.uppercased() : name
        }
        var result = base
        for update in updates {
            let k = key(update)
            if let i = result.firstIndex(where: { key($0) == k }) {
                result[i] = update
            } else {
                result.append(update)
            }
        }
        return result
    }
}
