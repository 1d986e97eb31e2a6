import ComponentCore

/// The message Twilio will store for a send, under the field names of a listed message (`to`,
/// `from`, `body`), and which of its values are only the component's prediction: what a
/// reconciling engine compares candidates with, from a dry run (the `preview` of sendSMS's
/// `reconcile` rule).
struct ExpectedMessage {
    /// The recipient as sent: E.164, or a channel address such as `whatsapp:+14155550100`.
    var to: String
    /// The sender as sent; `nil` when a Messaging Service picks it.
    var from: String?
    /// The body Twilio stores; `nil` for a content template, which Twilio renders.
    var body: String?
    /// The fields whose value Twilio may store differently, in field order.
    var uncertain: [String]

    /// The message of a send to `to` from `from` (both as normalized in the form) with `body`
    /// (empty for media only), unless `template` is set; `viaService` when a Messaging Service
    /// sends it, whose own Smart Encoding setting applies even when the send does not ask for it.
    init(to: String, from: String?, body: String, template: Bool, smartEncoded: Bool, shortenUrls: Bool, viaService: Bool) {
        self.to = to
        self.from = from
        uncertain = []
        guard !template else {
            self.body = nil  // unknown, not uncertain
            return
        }
        self.body = smartEncoded ? SMSEncoding.smartEncoded(body) : body
        // Twilio's replacement table may differ from ours, and its short links are its own.
        let replaced = (smartEncoded || viaService) && SMSEncoding(body).scheme == .ucs2
        let lowercased = body.lowercased()
        let shortened = shortenUrls && (lowercased.contains("http://") || lowercased.contains("https://"))
        if replaced || shortened { uncertain.append("body") }
    }

    /// `{"to", "from", "body"}`, unknown values null.
    var expected: JSONValue {
        ["to": .string(to), "from": from.map(JSONValue.string) ?? .null, "body": body.map(JSONValue.string) ?? .null]
    }
}
