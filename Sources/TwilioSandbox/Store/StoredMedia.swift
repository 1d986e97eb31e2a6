import ComponentCore

/// One media item of a message: a `MediaUrl` it was sent (or received) with.
struct StoredMedia: Codable, Sendable, Hashable {
    var sid: String
    /// The item's position among the message's `MediaUrl`s, kept when others are deleted.
    var index: Int
    var url: String
    var contentType: String

    /// The item at `index` of message `messageSid`, its SID derived from both.
    init(messageSid: String, index: Int, url: String) {
        sid = StableSid.make("ME", seed: "\(messageSid)/\(index)")
        self.index = index
        self.url = url
        contentType = MediaContent.contentType(of: url)
    }

    /// The Media resource as Twilio's API returns it, dated as its message.
    func json(accountSid: String, messageSid: String, createdAt: Double) -> JSONValue {
        let date = JSONValue.string(TwilioDate.string(fromUnixSeconds: createdAt))
        var object = JSONObject()
        object["account_sid"] = .string(accountSid)
        object["content_type"] = .string(contentType)
        object["date_created"] = date
        object["date_updated"] = date
        object["parent_sid"] = .string(messageSid)
        object["sid"] = .string(sid)
        object["uri"] = .string("/2010-04-01/Accounts/\(accountSid)/Messages/\(messageSid)/Media/\(sid).json")
        return .object(object)
    }
}
