import FoundationEssentials

/// Writes a `multipart/form-data` body (RFC 7578) in Swift, so its bytes are known before the
/// transfer starts and are sent exactly like any other body.
enum MultipartEncoder {
    /// The body and its `Content-Type` (with the boundary).
    static func encode(_ parts: [MultipartPart], boundary: String = "----component-boundary-\(UUID().uuidString.lowercased())") -> (
        body: Data, contentType: String
    ) {
        var body = Data()
        for part in parts {
            body.append(Data("--\(boundary)\r\n".utf8))
            var disposition = "Content-Disposition: form-data; name=\"\(escape(part.name))\""
            if let fileName = part.fileName { disposition += "; filename=\"\(escape(fileName))\"" }
            body.append(Data((disposition + "\r\n").utf8))
            if let contentType = part.contentType { body.append(Data("Content-Type: \(contentType)\r\n".utf8)) }
            body.append(Data("\r\n".utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Quotes, backslashes and line breaks cannot appear raw in a quoted parameter (RFC 7578 §4.2).
    private static func escape(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "%22"
            case "\r": output += "%0D"
            case "\n": output += "%0A"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
