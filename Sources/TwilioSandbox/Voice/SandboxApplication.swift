import ComponentCore
import Synchronization

/// The one TwiML application the sandbox knows, for calls made with `ApplicationSid`: its voice
/// URL is set through `POST /__sandbox/application`.
final class SandboxApplication: Sendable {
    static let sid = "AP" + String(repeating: "0", count: 31) + "1"

    private struct Voice {
        var url: String?
        var method = "POST"
    }

    private let voice = Mutex(Voice())

    /// Where calls made with this application fetch their TwiML; `nil` until a URL is set.
    var source: TwiMLSource? {
        voice.withLock { voice in voice.url.map { TwiMLSource.fetch($0, method: voice.method) } }
    }

    func setVoice(url: String?, method: String) {
        voice.withLock { $0 = Voice(url: url, method: method) }
    }

    var json: JSONValue {
        voice.withLock { voice in
            ["sid": .string(Self.sid), "voiceUrl": voice.url.map(JSONValue.string) ?? .null, "voiceMethod": .string(voice.method)]
        }
    }

    func reset() { voice.withLock { $0 = Voice() } }
}
