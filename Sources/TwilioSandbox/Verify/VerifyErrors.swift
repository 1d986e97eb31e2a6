import HTTPTypes

/// Verify's own errors, with the codes and statuses Twilio answers.
extension TwilioAPIError {
    /// 60200: a parameter is missing or malformed.
    static func verifyInvalidParameter(_ name: String, _ reason: String) -> TwilioAPIError {
        TwilioAPIError(code: 60200, status: 400, message: "Invalid parameter `\(name)`: \(reason)")
    }

    /// 60202: a verification takes 5 checks; the next fails until it expires.
    static let maxCheckAttempts = TwilioAPIError(
        code: 60202, status: 429,
        message: "Max check attempts reached: this verification took 5 checks. Send a new one after it expires (10 minutes).")

    /// 60203: a verification is sent at most 5 times; the next send fails until it expires.
    static let maxSendAttempts = TwilioAPIError(
        code: 60203, status: 429,
        message: "Max send attempts reached: this number was sent 5 codes within the verification's 10 minutes. Wait until it expires.")

    /// 60212: another create or check for the same recipient is still being worked on.
    static let concurrentRequests = TwilioAPIError(
        code: 60212, status: 429,
        message:
            "Too many concurrent requests for phone number: another request for this recipient is still being processed. Try again shortly."
    )

    /// 60204: a CustomCode on a service without custom codes (Twilio enables them per account; the
    /// sandbox per service, with `CustomCodeEnabled=true`).
    static let customCodeNotEnabled = TwilioAPIError(
        code: 60204, status: 403,
        message: "Service does not support this feature: CustomCode needs a service created or updated with CustomCodeEnabled=true.")

    /// 60205: a landline cannot receive an SMS code (send with Channel=call instead).
    static func landlineSMS(_ to: String) -> TwilioAPIError {
        TwilioAPIError(code: 60205, status: 400, message: "SMS is not supported by landline phone number \(to). Use Channel=call.")
    }

    /// 60223: the service has no sender for the channel (WhatsApp needs `Whatsapp.From` or `Whatsapp.MsgServiceSid`).
    static let whatsappDisabled = TwilioAPIError(
        code: 60223, status: 400,
        message: "Delivery channel disabled: WHATSAPP. Give the service a WhatsApp sender (Whatsapp.From or Whatsapp.MsgServiceSid).")

    /// 60410: Fraud Guard blocks the destination (the sandbox blocks the international networks +882 and +883).
    static func deliveryBlocked(_ to: String) -> TwilioAPIError {
        TwilioAPIError(
            code: 60410, status: 403, message: "Verification delivery attempt blocked: the destination \(to) is blocked by Fraud Guard.")
    }
}
