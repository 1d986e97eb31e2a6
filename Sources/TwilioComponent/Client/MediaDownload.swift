import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

extension TwilioAPI {
    /// The bytes at `url` (a recording's audio, a message's media) as
    /// `{"contentType", "encoding": "base64", "data"}`, read only up to the caller's `maxBytes`.
    /// - Parameter tooLarge: what to say after "Input 'maxBytes' (Max Bytes) is N, and " when the
    ///   file is larger: which file, and what else can be done.
    /// - Throws: an input error on `maxBytes` (of `owner`) when the file is larger; else the
    ///   request's error.
    func download(_ url: String, accept: String, maxBytes: Int, owner: String, tooLarge: String) async throws(ComponentError)
        -> JSONValue
    {
        let request = HTTPClientRequest(method: .get, url: url, headerFields: [.accept: accept], maximumResponseBytes: maxBytes)
        do {
            return try await send(request).decodedBody(as: .binary)
        } catch {
            guard (error.cause as? HTTPError)?.responseTooLarge == true else { throw error }
            // The cap is the caller's: say which input sets it.
            throw ComponentError.invalidInput(
                "maxBytes", label: "Max Bytes", message: "Input 'maxBytes' (Max Bytes) is \(maxBytes), and " + tooLarge, owner: owner)
        }
    }
}
