import HTTPTypes

/// The errors Twilio answers the Calls and Recordings APIs with.
extension TwilioAPIError {
    static let missingCallTo = TwilioAPIError(code: 21201, status: 400, message: "No 'To' number is specified")
    static let missingCallFrom = TwilioAPIError(code: 21213, status: 400, message: "No 'From' number is specified")
    static let missingCallTwiML = TwilioAPIError(
        code: 21205, status: 400, message: "Url parameter is required: give exactly one of Url, Twiml or ApplicationSid.")
    static let severalCallTwiML = TwilioAPIError(
        code: 20001, status: 400, message: "Give exactly one of Url, Twiml or ApplicationSid, not several.")
    static let callNotInProgress = TwilioAPIError(code: 21220, status: 400, message: "Call is not in-progress. Cannot redirect.")
    static let callStateForUpdate = TwilioAPIError(code: 21220, status: 400, message: "Invalid call state for update")
    static let deleteUnfinishedCall = TwilioAPIError(
        code: 20009, status: 400, message: "Cannot delete this resource before it is complete: end the call first.")

    static func invalidCallURL(_ url: String) -> TwilioAPIError {
        TwilioAPIError(code: 21205, status: 400, message: "Url is not a valid URL: \(url)")
    }

    static func invalidCallTo(_ to: String) -> TwilioAPIError {
        TwilioAPIError(code: 21211, status: 400, message: "Invalid 'To' Phone Number: \(to)")
    }

    static func invalidCallFrom(_ from: String) -> TwilioAPIError {
        TwilioAPIError(code: 21212, status: 400, message: "Invalid 'From' Phone Number: \(from)")
    }

    static func invalidApplication(_ sid: String) -> TwilioAPIError {
        TwilioAPIError(code: 21218, status: 400, message: "Invalid ApplicationSid: \(sid) is not an application of this account.")
    }

    static func invalidStatusCallback(_ url: String) -> TwilioAPIError {
        TwilioAPIError(code: 21609, status: 400, message: "Invalid StatusCallback: \(url) is not a valid URL.")
    }

    /// The error a magic `To` of Twilio's test credentials causes for a call.
    static func magicCallTo(_ to: String) -> TwilioAPIError? {
        switch to {
        case "+15005550001":
            TwilioAPIError(code: 21217, status: 400, message: "Phone number does not appear to be valid: \(to)")
        case "+15005550002":
            TwilioAPIError(code: 21214, status: 400, message: "'To' phone number cannot be reached: \(to)")
        case "+15005550003":
            TwilioAPIError(
                code: 21215, status: 400,
                message: "Account not authorized to call \(to). Perhaps you need to enable some international permissions.")
        case "+15005550004":
            TwilioAPIError(code: 21216, status: 400, message: "Account not allowed to call \(to)")
        default: nil
        }
    }
}
