import ComponentCore
import ComponentManifest
import ComponentRuntime
import FoundationEssentials

/// A command line or request file that cannot be used; exit code 64.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Builds an invocation's raw inputs and connection from command-line flags and files.
enum RawInputBuilder {
    /// Inputs from `--inputs-file`, then `--input key=value`, then `--input-json key=json`;
    /// later sources override earlier ones key by key. A key repeated with `--input` becomes a list.
    static func inputs(file: String?, pairs: [String], jsonPairs: [String]) throws -> JSONObject {
        var inputs = JSONObject()
        if let file {
            guard case .object(let object) = try readJSON(file, flag: "--inputs-file") else {
                throw UsageError("--inputs-file \(file) must hold a JSON object of input values, such as {\"to\": \"+15005550006\"}.")
            }
            inputs = object
        }
        var repeated = JSONObject()
        for pair in pairs {
            let (key, value) = try split(pair, flag: "--input")
            if let existing = repeated[key] {
                repeated[key] = .array((existing.arrayValue ?? [existing]) + [.string(value)])
            } else {
                repeated[key] = .string(value)
            }
        }
        for (key, value) in repeated { inputs[key] = value }
        for pair in jsonPairs {
            let (key, text) = try split(pair, flag: "--input-json")
            do {
                inputs[key] = try JSONParser.parse(text)
            } catch {
                throw UsageError(
                    "--input-json \(key)=...: the value is not valid JSON (\(error)). Quote text as \"...\", or use --input for plain text."
                )
            }
        }
        return inputs
    }

    /// The connection from `--connection-file`, or `--connection` with `--connection-field`s.
    static func connection(key: String?, fields: [String], file: String?, manifest: ComponentManifest) throws -> RawConnection? {
        if let file {
            guard key == nil, fields.isEmpty else {
                throw UsageError("Give the connection either with --connection-file or with --connection and --connection-field, not both.")
            }
            guard case .object(let object) = try readJSON(file, flag: "--connection-file"),
                case .string(let connectionKey)? = object["key"]
            else {
                throw UsageError("--connection-file \(file) must hold {\"key\": \"<connection key>\", \"fields\": {...}}.")
            }
            return RawConnection(key: connectionKey, fields: object["fields"]?.objectValue ?? JSONObject())
        }
        guard key != nil || !fields.isEmpty else { return nil }
        var object = JSONObject()
        for pair in fields {
            let (name, value) = try split(pair, flag: "--connection-field")
            object[name] = .string(value)
        }
        if let key { return RawConnection(key: key, fields: object) }
        guard manifest.connections.count == 1 else {
            let keys = manifest.connections.map(\.key).joined(separator: ", ")
            throw UsageError("This component has several connections (\(keys)); say which with --connection KEY.")
        }
        return RawConnection(key: manifest.connections[0].key, fields: object)
    }

    static func split(_ pair: String, flag: String) throws -> (String, String) {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw UsageError("\(flag) expects key=value, but got '\(pair)'.")
        }
        return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }

    static func readJSON(_ path: String, flag: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("\(flag) \(path): the file cannot be read.")
        }
        do {
            return try JSONParser.parse(data)
        } catch {
            throw UsageError("\(flag) \(path) is not valid JSON: \(error).")
        }
    }
}
