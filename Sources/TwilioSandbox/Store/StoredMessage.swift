import ComponentCore
import Foundation

/// A message as the sandbox keeps it. Its status is not stored but derived from the clock: a
/// message created at `createdAt` moves one lifecycle step per `step` (queued → sending → sent →
/// delivered, or to its configured failure), so a state file written by one process is still right
/// when another reads it later.
struct StoredMessage: Codable, Sendable {
    /// How a message ends.
    enum Outcome: Codable, Sendable, Hashable {
        case delivered
        case undelivered(errorCode: Int)
        case failed(errorCode: Int)
        case received
    }

    var sid: String
    var accountSid: String
    /// Creation order, for stable listing among equal timestamps.
    var sequence: Int
    var direction: String
    var to: String
    var from: String?
    var messagingServiceSid: String?
    var body: String
    var mediaURLs: [String]
    var statusCallback: String?
    /// Unix seconds.
    var createdAt: Double
    /// Set when the body is redacted or the message canceled.
    var updatedAt: Double?
    /// `SendAt`, for scheduled messages.
    var sendAt: Double?
    var canceled: Bool
    var outcome: Outcome
    var numSegments: Int
    /// The media items left once some are deleted; `nil` while every `mediaURLs` item remains
    /// (so state files written before media could be deleted read the same).
    var remainingMedia: [StoredMedia]?

    /// The message's media, in the order of its `MediaUrl`s.
    var media: [StoredMedia] {
        remainingMedia ?? mediaURLs.enumerated().map { StoredMedia(messageSid: sid, index: $0.offset, url: $0.element) }
    }

    /// The status history as (status, time) pairs, from creation to the final status.
    func transitions(step: Double) -> [(status: String, at: Double)] {
        if direction == "inbound" { return [("received", createdAt)] }
        if canceled { return [("scheduled", createdAt), ("canceled", updatedAt ?? createdAt)] }
        var history: [(String, Double)] = []
        var time = createdAt
        if let sendAt {
            history.append(("scheduled", createdAt))
            time = sendAt
        } else if messagingServiceSid != nil {
            history.append(("accepted", createdAt))
            time += step
        }
        let final: String
        switch outcome {
        case .delivered: final = "delivered"
        case .undelivered: final = "undelivered"
        case .failed: final = "failed"
        case .received: final = "received"
        }
        for status in ["queued", "sending", "sent", final] {
            history.append((status, time))
            time += step
        }
        return history
    }

    /// The status, send date and error at `now`; `asCreated` gives the state the create response
    /// reports (the first status, nothing sent yet), even when the clock has already moved on.
    func state(at now: Double, step: Double, asCreated: Bool = false) -> (
        status: String, dateSent: Double?, dateUpdated: Double, errorCode: Int?
    ) {
        let history = transitions(step: step)
        if asCreated { return (history[0].status, nil, createdAt, nil) }
        var current = history[0]
        for transition in history where transition.at <= now { current = transition }
        let sent = history.first { $0.status == "sent" }.flatMap { $0.at <= now ? $0.at : nil }
        let dateSent = direction == "inbound" ? createdAt : sent
        var errorCode: Int?
        if current.status == "failed" || current.status == "undelivered" {
            switch outcome {
            case .undelivered(let code), .failed(let code): errorCode = code
            default: break
            }
        }
        return (current.status, dateSent, max(current.at, updatedAt ?? 0), errorCode)
    }

    /// The message as Twilio's API returns it: all 20 keys, alphabetical, RFC 2822 dates.
    func json(now: Double, step: Double, asCreated: Bool = false) -> JSONValue {
        let state = state(at: now, step: step, asCreated: asCreated)
        let uri = "/2010-04-01/Accounts/\(accountSid)/Messages/\(sid)"
        var object = JSONObject()
        object["account_sid"] = .string(accountSid)
        object["api_version"] = "2010-04-01"
        object["body"] = .string(body)
        object["date_created"] = .string(TwilioDate.string(fromUnixSeconds: createdAt))
        object["date_sent"] = state.dateSent.map { .string(TwilioDate.string(fromUnixSeconds: $0)) } ?? .null
        object["date_updated"] = .string(TwilioDate.string(fromUnixSeconds: state.dateUpdated))
        object["direction"] = .string(direction)
        object["error_code"] = state.errorCode.map(JSONValue.integer) ?? .null
        object["error_message"] = state.errorCode.map { .string(Self.errorMessage($0)) } ?? .null
        object["from"] = from.map(JSONValue.string) ?? .null
        object["messaging_service_sid"] = messagingServiceSid.map(JSONValue.string) ?? .null
        object["num_media"] = .string(String(media.count))
        // With a Messaging Service no sender is chosen at first, so Twilio reports "0".
        let segments = messagingServiceSid != nil && ["accepted", "scheduled"].contains(state.status) ? 0 : numSegments
        object["num_segments"] = .string(String(segments))
        let priced = ["sent", "delivered", "undelivered", "received"].contains(state.status)
        object["price"] = priced ? .string(String(format: "-%.5f", 0.0079 * Double(max(numSegments, 1)))) : .null
        object["price_unit"] = "USD"
        object["sid"] = .string(sid)
        object["status"] = .string(state.status)
        object["subresource_uris"] = .object(["media": .string(uri + "/Media.json")])
        object["to"] = .string(to)
        object["uri"] = .string(uri + ".json")
        return .object(object)
    }

    static func errorMessage(_ code: Int) -> String {
        switch code {
        case 30003: "Unreachable destination handset"
        case 30005: "Unknown destination handset"
        case 30006: "Landline or unreachable carrier"
        case 30007: "Message filtered"
        default: "Unknown error"
        }
    }
}
