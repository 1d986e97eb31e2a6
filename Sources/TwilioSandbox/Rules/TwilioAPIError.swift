import ComponentCore
import HTTPTypes

/// An error the sandbox answers with, in Twilio's shape:
/// `{"code", "message", "more_info", "status"}` (plus `detail` for authentication errors).
struct TwilioAPIError: Error, Sendable {
    var code: Int
    var status: HTTPResponse.Status
    var message: String
    var detail: String?
    var retryAfter: Int?

    var body: JSONValue {
        var object = JSONObject()
        object["code"] = .integer(code)
        if let detail { object["detail"] = .string(detail) }
        object["message"] = .string(message)
        object["more_info"] = .string("https://www.twilio.com/docs/errors/\(code)")
        object["status"] = .integer(status.code)
        return .object(object)
    }

    static let authenticate = TwilioAPIError(
        code: 20003, status: 401, message: "Authenticate", detail: "Your AccountSid or AuthToken was incorrect.")
    static let missingFromOrService = TwilioAPIError(
        code: 21603, status: 400, message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
    static let missingTo = TwilioAPIError(code: 21604, status: 400, message: "A 'To' phone number is required.")
    static let missingBody = TwilioAPIError(code: 21602, status: 400, message: "Message body is required.")
    static let bodyTooLong = TwilioAPIError(
        code: 21617, status: 400, message: "The concatenated message body exceeds the 1600 character limit.")
    static let pageTokenRequired = TwilioAPIError(code: 20001, status: 400, message: "PageToken is required for paging.")
    static let tooManyRequests = TwilioAPIError(code: 20429, status: 429, message: "Too Many Requests")
    static let internalError = TwilioAPIError(code: 20500, status: 500, message: "An internal server error has occurred")
    static let serviceUnavailable = TwilioAPIError(code: 20503, status: 503, message: "Service Unavailable")
    static let cannotCancel = TwilioAPIError(code: 30409, status: 400, message: "This message cannot be canceled")
    static let invalidUpdate = TwilioAPIError(code: 30400, status: 400, message: "Parameters are not valid")
    static let deleteInProgress = TwilioAPIError(code: 20009, status: 400, message: "Cannot delete this resource before it is complete")
    static let scheduleWithoutSendAt = TwilioAPIError(code: 35111, status: 400, message: "SendAt is required when ScheduleType is fixed.")
    static let scheduleWithoutService = TwilioAPIError(
        code: 35118, status: 400, message: "MessagingServiceSid is required to schedule a message.")
    static let sendAtTooSoon = TwilioAPIError(code: 35114, status: 400, message: "SendAt must be at least 300 seconds in the future.")
    static let sendAtTooLate = TwilioAPIError(code: 35115, status: 400, message: "SendAt cannot be more than 35 days in the future.")

    static let contentSidRequired = TwilioAPIError(
        code: 21654, status: 400, message: "A ContentSid must be specified if ContentVariables are provided in the request.")

    static func invalidContentSid(_ sid: String) -> TwilioAPIError {
        TwilioAPIError(code: 21655, status: 400, message: "The ContentSid is Invalid: \(sid) is not a content template of this account.")
    }

    static func invalidContentVariables(_ reason: String) -> TwilioAPIError {
        TwilioAPIError(code: 21656, status: 400, message: "The ContentVariables Parameter is invalid: \(reason)")
    }

    static func channelMismatch(from: String, to: String) -> TwilioAPIError {
        TwilioAPIError(
            code: 21910, status: 400,
            message: "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel (\(from), \(to)).")
    }

    static func notFound(_ path: String) -> TwilioAPIError {
        TwilioAPIError(code: 20404, status: 404, message: "The requested resource \(path) was not found")
    }

    static func invalidTo(_ to: String) -> TwilioAPIError {
        TwilioAPIError(code: 21211, status: 400, message: "The 'To' number \(to) is not a valid phone number.")
    }

    static func invalidFrom(_ from: String) -> TwilioAPIError {
        TwilioAPIError(
            code: 21212, status: 400,
            message: "The 'From' number \(from) is not a valid phone number, shortcode, or alphanumeric sender ID.")
    }

    static func fromNotOwned(_ from: String) -> TwilioAPIError {
        TwilioAPIError(
            code: 21606, status: 400,
            message: "The From phone number \(from) is not a valid, SMS-capable inbound phone number or short code for your account.")
    }

    static func queueFull(_ from: String) -> TwilioAPIError {
        TwilioAPIError(code: 21611, status: 400, message: "This 'From' number \(from) has exceeded the maximum number of queued messages")
    }

    static func sameToAndFrom(_ number: String) -> TwilioAPIError {
        TwilioAPIError(code: 21266, status: 400, message: "'To' and 'From' number cannot be the same: \(number)")
    }

    static func invalidParameter(_ message: String) -> TwilioAPIError {
        TwilioAPIError(code: 20001, status: 400, message: message)
    }

    static func invalidMediaURL(_ url: String) -> TwilioAPIError {
        TwilioAPIError(code: 21620, status: 400, message: "Media urls: \(url) are invalid. Please use only valid http and https urls")
    }

    static let tooManyMedia = TwilioAPIError(code: 21623, status: 400, message: "Number of media files exceeds allowed limit of 10.")

    static func invalidCallback(_ url: String) -> TwilioAPIError {
        TwilioAPIError(code: 21609, status: 400, message: "The StatusCallback URL \(url) is not a valid URL.")
    }
}
