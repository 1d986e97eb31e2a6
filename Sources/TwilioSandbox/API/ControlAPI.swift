import ComponentCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The sandbox's own endpoints under `/__sandbox/`, for tests and demos (no authentication: the
/// sandbox listens on loopback).
///
/// - `GET health`, `GET credentials`
/// - `GET messages`: every message of every account, most recent first
/// - `POST reset`: forget messages, calls and recordings, Verify services and verifications, faults, webhook deliveries, configured
///   failures and added content templates, give every account its starting incoming numbers back,
///   and set the clock back to the offset the sandbox started with
/// - `POST faults` `{"route": "messages.create", "count": 1, "fault": {"type": "status", "status": 429, "retryAfter": "1"}}`
///   (types: `status`, `delay` and `hold` with `milliseconds`, `gather`, `dropBeforeRead`,
///   `refusedStream`, `goaway`, `dropAfterProcessing` with an optional `"scope": "connection"`,
///   and `pass` to let a request through before a later fault); `GET faults`; `DELETE faults`
/// - `GET clock`: the clock's offset from the machine's and the sandbox's time now;
///   `POST clock` `{"offsetMilliseconds": -10000}` sets the offset
/// - `GET traffic`: connections, TLS handshakes and failures, requests by HTTP version, refused
///   streams, GOAWAYs, and API requests in flight (now and at the peak); `POST traffic/reset`
/// - `POST inbound` `{"from", "to", "body", "mediaUrls": [...], "url"}`: someone texts a number; the
///   sandbox stores the inbound message and delivers Twilio's signed incoming-message webhook to `url`
/// - `GET webhooks`: every webhook the sandbox sent, with its parameters and the answer
/// - `GET verifications` (`?to=+1...`, `?service=VA...`): Verify's verifications, newest first,
///   with their codes: the only place the sandbox reveals a code
/// - `POST delivery-failures` `{"number", "status": "undelivered" | "failed" | "delivered", "errorCode"}`
/// - `POST content` `{"body": "Hi {{1}}", "variables": {"1": "there"}, "friendlyName"}`: a content
///   template a send's ContentSid can name; `GET content` lists them (three are built in)
/// - Calls: `GET calls`, `GET calls/{CA}` (`?waitFor=gather|end`, `?status=`), `POST calls/{CA}/digits`,
///   `POST calls/inbound`, `POST callees`, `POST application`: see ``VoiceControlAPI``
struct ControlAPI {
    let core: SandboxCore

    func respond(method: HTTPRequest.Method, path: String, query: String = "", body: ByteBuffer) async -> Response {
        let name = String(path.dropFirst("/__sandbox/".count))
        let json = body.readableBytes == 0 ? nil : try? JSONParser.parse(Array(body.readableBytesView))
        switch (method, name) {
        case (.get, "health"):
            return SandboxResponder.json(.ok, ["status": "ok"])
        case (.get, "credentials"):
            let credentials = core.credentials
            return SandboxResponder.json(
                .ok,
                [
                    "accountSid": .string(credentials.accountSid), "authToken": .string(credentials.authToken),
                    "apiKeySid": .string(credentials.apiKeySid), "apiKeySecret": .string(credentials.apiKeySecret),
                ])
        case (.get, "messages"):
            let now = core.now
            return SandboxResponder.json(
                .ok, ["messages": .array(core.store.messages(account: nil).map { $0.json(now: now, step: core.step) })])
        case (.post, "reset"):
            await core.voice.reset()  // first: its calls stop before the rest is forgotten
            core.store.reset()
            core.faults.reset()
            core.webhooks.reset()
            core.deliveryFailures.reset()
            core.traffic.reset()
            core.contents.reset()
            core.verify.reset()
            core.clock.reset()
            return SandboxResponder.json(.noContent, nil)
        case (.get, "verifications"):
            return SandboxResponder.json(.ok, ["verifications": .array(VerifyControl.verifications(core: core, query: query))])
        case (.get, "content"):
            return SandboxResponder.json(.ok, ["contents": .array(core.contents.all.map(\.json))])
        case (.post, "content"):
            return addContent(json)
        case (.get, "traffic"):
            return SandboxResponder.json(.ok, core.traffic.json)
        case (.post, "traffic/reset"):
            core.traffic.reset()
            return SandboxResponder.json(.noContent, nil)
        case (.get, "faults"):
            return SandboxResponder.json(.ok, ["pending": core.faults.pending])
        case (.delete, "faults"):
            core.faults.reset()
            return SandboxResponder.json(.noContent, nil)
        case (.post, "faults"):
            guard let json, let routeName = json["route"]?.stringValue, let route = SandboxRoute(rawValue: routeName),
                let faultJSON = json["fault"], let fault = SandboxFault(json: faultJSON)
            else {
                return problem(
                    "Give {\"route\": one of \(SandboxRoute.allCases.map(\.rawValue).joined(separator: ", ")), \"count\": N, \"fault\": {\"type\": \"status\" | \"delay\" | \"hold\" | \"gather\" | \"dropBeforeRead\" | \"refusedStream\" | \"goaway\" | \"dropAfterProcessing\" | \"pass\", ...}}."
                )
            }
            core.faults.add(fault, route: route, count: json["count"]?.intValue ?? 1)
            return SandboxResponder.json(.created, ["pending": core.faults.pending])
        case (.get, "clock"):
            return SandboxResponder.json(
                .ok,
                [
                    "offsetMilliseconds": .integer(core.clock.offsetMilliseconds),
                    "now": .string(ISO8601Timestamp.string(from: Date(timeIntervalSince1970: core.now))),
                ])
        case (.post, "clock"):
            let limit = SandboxClock.maximumOffsetMilliseconds
            guard let offset = json?["offsetMilliseconds"]?.intValue, (-limit...limit).contains(offset) else {
                return problem(
                    "Give {\"offsetMilliseconds\": N}: how far the sandbox's clock is ahead of the machine's (negative: behind), at most \(limit) either way."
                )
            }
            core.clock.setOffset(milliseconds: offset)
            return SandboxResponder.json(.ok, ["offsetMilliseconds": .integer(offset)])
        case (.post, "inbound"):
            return await inbound(json)
        case (.get, "webhooks"):
            return SandboxResponder.json(.ok, ["deliveries": .array(core.webhooks.all.map(\.json))])
        case (.post, "delivery-failures"):
            guard let json, let number = json["number"]?.stringValue, let status = json["status"]?.stringValue else {
                return problem(
                    "Give {\"number\": \"+1...\", \"status\": \"undelivered\" | \"failed\" | \"delivered\", \"errorCode\": 30003}.")
            }
            let code = json["errorCode"]?.intValue ?? 30003
            switch status {
            case "undelivered": core.deliveryFailures.set(.undelivered(errorCode: code), for: number)
            case "failed": core.deliveryFailures.set(.failed(errorCode: code), for: number)
            case "delivered": core.deliveryFailures.set(nil, for: number)
            default: return problem("status must be undelivered, failed or delivered.")
            }
            return SandboxResponder.json(.noContent, nil)
        case (_, _) where name == "calls" || name.hasPrefix("calls/") || name == "callees" || name == "application":
            return await VoiceControlAPI(core: core).respond(method: method, name: name, query: query, json: json)
        default:
            return SandboxResponder.json(.notFound, ["error": .string("No sandbox control endpoint \(method) \(path).")])
        }
    }

    private func addContent(_ json: JSONValue?) -> Response {
        let usage =
            "Give {\"body\": \"Hi {{1}}, your order {{2}} has shipped.\", \"variables\": {\"1\": \"there\", \"2\": \"#1234\"}, \"friendlyName\": \"order_shipped\"}."
        guard let json, let body = json["body"]?.stringValue else { return problem(usage) }
        var variables: [(name: String, value: String)] = []
        if let given = json["variables"] {
            guard case .object(let object) = given else { return problem("variables must be an object. " + usage) }
            for (name, value) in object {
                guard let text = value.stringValue else { return problem("variables' \"\(name)\" must be text. " + usage) }
                variables.append((name, text))
            }
        }
        switch core.contents.add(friendlyName: json["friendlyName"]?.stringValue ?? "template", body: body, variables: variables) {
        case .success(let template): return SandboxResponder.json(.created, template.json)
        case .failure(let failure): return problem(failure.message + " " + usage)
        }
    }

    private func problem(_ message: String) -> Response {
        SandboxResponder.json(.badRequest, ["error": .string(message)])
    }

    /// Someone texts one of the account's numbers: store the inbound message and deliver the
    /// signed incoming-message webhook.
    private func inbound(_ json: JSONValue?) async -> Response {
        guard let json, let from = json["from"]?.stringValue, let to = json["to"]?.stringValue, let url = json["url"]?.stringValue,
            MessagesAPI.isWebURL(url)
        else {
            return problem(
                "Give {\"from\": \"+1...\", \"to\": \"+1...\", \"body\": \"...\", \"mediaUrls\": [...], \"url\": \"http://127.0.0.1:PORT/hook\"}."
            )
        }
        let body = json["body"]?.stringValue ?? ""
        let media = json["mediaUrls"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let now = core.now
        let account = core.credentials.accountSid
        let message = core.store.insert { sequence in
            StoredMessage(
                sid: MessagesAPI.newSid(media.isEmpty ? "SM" : "MM"), accountSid: account, sequence: sequence, direction: "inbound",
                to: to, from: from, messagingServiceSid: nil, body: body, mediaURLs: media, statusCallback: nil, createdAt: now,
                updatedAt: nil, sendAt: nil, canceled: false, outcome: .received, numSegments: SegmentCounter.segments(of: body))
        }
        var parameters: [(String, String)] = [
            ("ToCountry", "US"), ("SmsMessageSid", message.sid), ("NumMedia", String(media.count)), ("SmsSid", message.sid),
            ("SmsStatus", "received"), ("Body", body), ("To", to), ("NumSegments", String(message.numSegments)),
            ("MessageSid", message.sid), ("AccountSid", account), ("From", from), ("ApiVersion", "2010-04-01"),
        ]
        for (index, mediaURL) in media.enumerated() {
            parameters.append(("MediaContentType\(index)", MediaContent.contentType(of: mediaURL)))
            parameters.append(("MediaUrl\(index)", mediaURL))
        }
        let delivery = await core.webhooks.deliver(kind: "inbound", url: url, messageSid: message.sid, parameters: parameters)
        return SandboxResponder.json(.ok, ["message": message.json(now: now, step: core.step), "delivery": delivery.json])
    }
}
