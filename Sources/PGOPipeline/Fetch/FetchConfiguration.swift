import Foundation

/// `.pgo.json` in the package root: the settings of `pgo fetch`, so that it and the
/// `swift package pgo-fetch` plugin run with no arguments. Command-line flags override it;
/// unknown keys are an error, so a typo never silently changes a build.
public enum FetchConfiguration {
    /// Each key and the `pgo fetch` option it stands for.
    public static let keys: [String: String] = [
        "store": "--store", "service": "--service", "since": "--since", "from": "--from", "to": "--to",
        "select": "--select", "go": "--go", "llvm": "--llvm", "binary": "--binary", "sourceRoot": "--source-root", "flags": "--flags", "manifest": "--manifest",
        "cache": "--cache", "layout": "--layout", "endpoint": "--endpoint", "region": "--region",
        "awsProfile": "--aws-profile", "s3Addressing": "--s3-addressing", "timeout": "--timeout", "deadline": "--deadline", "strict": "--strict",
    ]
    /// Keys whose value is a boolean flag rather than a string.
    static let booleanKeys: Set<String> = ["strict"]

    /// The settings file's bytes (read from `path`) as option values (`--store` → value);
    /// booleans that are true map to "".
    public static func parse(_ bytes: [UInt8], path: String) throws(FetchConfigurationError) -> [String: String] {
        typealias Error = FetchConfigurationError
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw Error(description: "\(path): not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw Error(description: "\(path): expected a JSON object of settings")
        }
        var options: [String: String] = [:]
        for (key, value) in dictionary.sorted(by: { $0.key < $1.key }) {
            guard let option = keys[key] else {
                throw Error(description: "\(path): unknown key '\(key)' (known: \(keys.keys.sorted().joined(separator: ", ")))")
            }
            if booleanKeys.contains(key) {
                guard let flag = value as? Bool else { throw Error(description: "\(path): '\(key)' must be true or false") }
                if flag { options[option] = "" }
            } else if let text = value as? String {
                options[option] = text
            } else if let number = value as? NSNumber, !(value is Bool) {
                options[option] = number.stringValue
            } else {
                throw Error(description: "\(path): '\(key)' must be a string")
            }
        }
        return options
    }

    /// Fills the options not given on the command line (`values`, `flags`) from the file's
    /// `settings`. A window given on the command line replaces the file's window whole.
    public static func filling(
        values: [String: [String]], flags: Set<String>, from settings: [String: String]
    ) -> (values: [String: [String]], flags: Set<String>) {
        var (mergedValues, mergedFlags) = (values, flags)
        for (option, value) in settings where mergedValues[option] == nil && !mergedFlags.contains(option) {
            if value.isEmpty && option == "--strict" { mergedFlags.insert(option) } else { mergedValues[option] = [value] }
        }
        if values["--since"] != nil { mergedValues["--from"] = nil; mergedValues["--to"] = nil }
        if values["--from"] != nil || values["--to"] != nil { mergedValues["--since"] = values["--since"] }
        return (mergedValues, mergedFlags)
    }
}

/// A settings file that cannot be used: it names the file and the problem.
public struct FetchConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
