/// What to do about one of Twilio's error codes, where Twilio's own message does not say: a
/// sentence appended to the error of a request that Twilio refused with it.
enum TwilioErrorHints {
    static func hint(for code: Int) -> String? {
        switch code {
        case 20404:
            "Nothing with that SID exists in this account: check the SID, and that the connection is the account (and region) that owns it."
        case 21205:
            "A URL of the request is not one Twilio can use: give an absolute http or https URL that Twilio can reach from the internet."
        case 21210:
            "Twilio places calls only from a number of the account or a verified caller ID: use one of those as From (Console: Phone Numbers, Verified Caller IDs)."
        case 21211:
            "Check the To number: write it in E.164 (+14155550100), or as national digits with the right Default Country Code."
        case 21215:
            "The account's Voice geographic permissions do not allow calls to this number's country: enable the country in the Console (Voice, Settings, Geo permissions), or call another number."
        case 21217:
            "The number does not look like a phone number Twilio can call: check its digits and its country code."
        case 21219:
            "A trial account calls only verified numbers: verify the number in the Console, or upgrade the account."
        case 21220:
            "The call is not in a state that allows this change: an ended call cannot be changed, a ringing or queued call is stopped with status canceled, and an answered one with completed."
        case 13223:
            "A <Dial> number of the call's TwiML is not a valid phone number: write it in E.164 (+14155550100)."
        case 13224:
            "Twilio cannot call a <Dial> number of the call's TwiML: check that it is a valid, in-service number written in E.164."
        case 13225:
            "A <Dial> number of the call's TwiML is restricted (premium-rate, blocked, or on the account's block list): dial another number."
        case 13226:
            "A <Dial> number of the call's TwiML has a country code that does not exist: write it in E.164 with its country code."
        case 13227:
            "The account's Voice geographic permissions do not allow a <Dial> to this country: enable the country in the Console (Voice, Settings, Geo permissions)."
        case 20429:
            "Twilio is limiting this account's request rate: wait a little (the Retry-After header says how long) and send fewer requests at once."
        case 60200:
            "A parameter of the Verify request is invalid: check To (E.164 such as +14155550100, or an email for the email channel), the Channel, the Locale and the code's length (4 to 10 characters)."
        case 60202:
            "This verification's check attempts are used up (5 at most): start a new verification with sendVerification, then check the new code; trying this one again cannot succeed."
        case 60203:
            "The number or email has had the most verification sends Twilio allows (5 within 10 minutes): wait for the verification to expire, then send again; retrying now only fails again."
        case 60204:
            "The Verify service does not support this: enable the feature on the service (Console: Verify, Services), or use another channel."
        case 60205:
            "The number is a landline, which cannot receive SMS: send with the call channel instead."
        case 60212:
            "Too many verification requests for this number are in flight at once: wait for the earlier ones to finish, then try again."
        case 60223:
            "The channel is not enabled for this Verify service or account (WhatsApp needs a sender, email a mailer integration): enable it in the Console, or use another channel."
        case 60410:
            "Twilio blocked the delivery (Fraud Guard or the Verify geo permissions stopped this number's prefix): allow the country in the Verify service's geo permissions, or contact Twilio support if the number is genuine."
        case 60605:
            "Verify geo permissions block this country: enable it for the service (Console: Verify, Settings, Geo permissions)."
        default: nil
        }
    }
}
