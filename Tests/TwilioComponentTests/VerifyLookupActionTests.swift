import ComponentCore
import ComponentHTTP
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The Verify and Lookup actions (sendVerification, checkVerification, cancelVerification,
/// createVerifyService, lookupPhoneNumber) against a recording test server standing in for every
/// Twilio host at the run's one base URL: the exact requests libcurl sent, what the actions make
/// of Twilio's answers, and which failures are retried.
@Suite(.timingInsensitive) struct VerifyLookupActionTests {
    static let account = SandboxCredentials.default.accountSid
    static let service = "VA" + String(repeating: "a", count: 32)
    static let verificationSid = "VE" + String(repeating: "b", count: 32)
    static let servicePath = "/v2/Services/\(service)"

    /// A verification as Verify answers it: snake_case, ISO 8601 dates.
    static func verification(status: String = "pending", valid: Bool = false) -> String {
        """
        {"sid": "\(verificationSid)", "service_sid": "\(service)", "account_sid": "\(account)", "to": "+14155550100",
         "channel": "sms", "status": "\(status)", "valid": \(valid), "lookup": {}, "amount": null, "payee": null,
         "send_code_attempts": [{"attempt_sid": "VL\(String(repeating: "c", count: 32))", "channel": "sms", "time": "2025-05-14T22:42:25Z"}],
         "date_created": "2025-05-14T22:42:25Z", "date_updated": "2025-05-14T22:42:26Z", "sna": null,
         "url": "https://verify.twilio.com/v2/Services/\(service)/Verifications/\(verificationSid)"}
        """
    }

    static func check(status: String, valid: Bool) -> String {
        """
        {"sid": "\(verificationSid)", "service_sid": "\(service)", "account_sid": "\(account)", "to": "+14155550100",
         "channel": "sms", "status": "\(status)", "valid": \(valid), "amount": null, "payee": null,
         "date_created": "2025-05-14T22:42:25Z", "date_updated": "2025-05-14T22:43:02Z", "sna_attempts_error_codes": []}
        """
    }

    static func twilioError(_ status: Int, _ code: Int, _ message: String) -> TestHTTPServer.Action {
        .json(
            status,
            #"{"code": \#(code), "message": "\#(message)", "more_info": "https://www.twilio.com/docs/errors/\#(code)", "status": \#(status)}"#
        )
    }

    /// A server standing in for Twilio at the base URL, recording what arrives.
    func withTwilio<T>(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action,
        _ body: (Harness, TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await withTestServer(handler: handler) { server in
            try await body(
                Harness(endpoint: SandboxEndpoint(baseURL: server.baseURL, credentials: .default, certificateAuthorityFile: nil)), server)
        }
    }

    static func form(_ request: TestHTTPServer.Request) -> [String] {
        (FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? []).map { "\($0.0)=\($0.1)" }
    }

    // MARK: sendVerification

    @Test func sendVerificationPostsToVerifyWithEveryOption() async throws {
        try await withTwilio({ _ in .json(201, Self.verification()) }) { harness, server in
            let output = await harness.run(
                ["sendVerification", "--debug"]
                    + Harness.inputs([
                        "serviceSid": Self.service, "to": "+1 (415) 555-0100", "channel": "sms", "locale": "fr",
                        "customFriendlyName": "Acme", "customCode": "908172",
                    ]))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.target == Self.servicePath + "/Verifications")
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(Self.form(request) == ["To=+14155550100", "Channel=sms", "CustomFriendlyName=Acme", "Locale=fr", "CustomCode=908172"])
            #expect(output.data["sid"] == .string(Self.verificationSid))
            #expect(output.data["serviceSid"] == .string(Self.service))
            #expect(output.data["status"] == "pending")
            #expect(output.data["dateCreated"] == "2025-05-14T22:42:25.000Z")
            #expect(output.data["sendCodeAttempts"]?.arrayValue?.count == 1)
            #expect(output.data.objectValue?.keys.first == "sid")
            // The custom code is a secret: the debug log (its form body included) never shows it.
            #expect(!output.stderr.contains("908172") && !output.stdout.contains("908172"))
        }
    }

    @Test func sendVerificationChecksToForItsChannelBeforeAnyRequest() async throws {
        try await withTwilio({ _ in .json(201, Self.verification()) }) { harness, server in
            let email = await harness.run(
                ["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "ada@example.com", "channel": "sms"]))
            #expect(email.exitCode == 2)
            #expect(email.error["input"] == "to")
            #expect(
                email.error["message"]
                    == "Input 'to' (To) 'ada@example.com' is not a phone number in E.164, which the sms channel needs; write it in E.164: + then the country code and number, such as +14155550100."
            )
            let national = await harness.run(
                ["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "4155550100", "channel": "call"]))
            #expect(national.error["input"] == "to")
            let phoneByEmail = await harness.run(
                ["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "channel": "email"]))
            #expect(phoneByEmail.error["input"] == "to")
            let badService = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": "VA123", "to": "+14155550100"]))
            #expect(badService.error["input"] == "serviceSid")
            let shortCode = await harness.run(
                ["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "customCode": "123"]))
            #expect(shortCode.error["input"] == "customCode")
            #expect(!shortCode.stdout.contains("\"123\""))
            #expect(server.requests.isEmpty)

            let byEmail = await harness.run(
                ["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": " ada@example.com ", "channel": "email"]))
            #expect(byEmail.exitCode == 0, "\(byEmail.stdout)")
            #expect(server.requests.last.map(Self.form) == ["To=ada@example.com", "Channel=email"])
        }
    }

    /// A send is not idempotent: a 5xx is maybeSent and never retried; a 429 with 60203 (the most
    /// sends for this To) is final, never retried and not retryable; another 429 is retried.
    @Test func sendVerificationRetriesOnlyWhatCannotSendTwice() async throws {
        try await withTwilio({ _ in .json(503, #"{"code": 20503, "message": "Service Unavailable", "status": 503}"#) }) { harness, server in
            let output = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100"]))
            #expect(output.exitCode == 4)
            #expect(output.error["maybeSent"] == true)
            #expect(output.error["retryable"] == false)
            #expect(server.requests.count == 1)
        }
        try await withTwilio({ _ in Self.twilioError(429, 60203, "Max send attempts reached") }) { harness, server in
            let output = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100"]))
            #expect(output.exitCode == 4)
            #expect(output.error["code"] == 60203)
            #expect(output.error["retryable"] == false)
            #expect(output.error["maybeSent"] == false)
            #expect(output.error["details"]?["attempts"] == 1)
            #expect(server.requests.count == 1, "a 60203 is never retried")
            #expect(
                output.error["message"]?.stringValue?.contains(
                    "The number or email has had the most verification sends Twilio allows (5 within 10 minutes)") == true)
        }
        try await withTwilio(
            TestHTTPServer.script([Self.twilioError(429, 20429, "Too Many Requests")], then: .json(201, Self.verification()))
        ) { harness, server in
            let output = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100"]))
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(server.requests.count == 2, "a rate-limit 429 is still retried")
        }
    }

    // MARK: checkVerification

    @Test func checkVerificationSendsTheCodeAndReadsTheAnswer() async throws {
        try await withTwilio(
            TestHTTPServer.script(
                [.json(200, Self.check(status: "pending", valid: false))], then: .json(200, Self.check(status: "approved", valid: true)))
        ) { harness, server in
            let wrong = await harness.run(
                ["checkVerification", "--debug"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "code": "111111"]))
            #expect(wrong.exitCode == 0, "\(wrong.stdout)")
            #expect(wrong.data["status"] == "pending")
            #expect(wrong.data["valid"] == false)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.target == Self.servicePath + "/VerificationCheck")
            #expect(Self.form(request) == ["Code=111111", "To=+14155550100"])
            #expect(!wrong.stderr.contains("111111") && !wrong.stdout.contains("111111"))

            let right = await harness.run(
                ["checkVerification"]
                    + Harness.inputs(["serviceSid": Self.service, "verificationSid": Self.verificationSid, "code": "246810"]))
            #expect(right.data["status"] == "approved")
            #expect(right.data["valid"] == true)
            #expect(right.data["dateUpdated"] == "2025-05-14T22:43:02.000Z")
            #expect(server.requests.last.map(Self.form) == ["Code=246810", "VerificationSid=\(Self.verificationSid)"])
        }
    }

    @Test func checkVerificationNeedsExactlyOneOfToAndSid() async throws {
        try await withTwilio({ _ in .json(200, Self.check(status: "approved", valid: true)) }) { harness, server in
            let neither = await harness.run(["checkVerification"] + Harness.inputs(["serviceSid": Self.service, "code": "123456"]))
            #expect(neither.exitCode == 2)
            #expect(neither.error["input"] == "to")
            let both = await harness.run(
                ["checkVerification"]
                    + Harness.inputs([
                        "serviceSid": Self.service, "to": "+14155550100", "verificationSid": Self.verificationSid, "code": "123456",
                    ]))
            #expect(both.error["input"] == "verificationSid")
            #expect(both.error["message"]?.stringValue?.contains("cannot be combined with To") == true)
            let short = await harness.run(
                ["checkVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "code": "12"]))
            #expect(short.error["input"] == "code")
            #expect(server.requests.isEmpty)
        }
    }

    /// After an approval the verification is gone: a check answers 404 20404, which the error
    /// explains without calling the code right or wrong. Never retried.
    @Test func aCheckAfterApprovalSaysWhatA404MayMean() async throws {
        try await withTwilio({ _ in Self.twilioError(404, 20404, "The requested resource /Services/VA/VerificationCheck was not found") }) {
            harness, server in
            let output = await harness.run(
                ["checkVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "code": "123456"]))
            #expect(output.exitCode == 4)
            #expect(output.error["code"] == 20404)
            #expect(output.error["retryable"] == false)
            let message = output.error["message"]?.stringValue ?? ""
            #expect(
                message.hasPrefix(
                    "Twilio answered 404 (The requested resource /Services/VA/VerificationCheck was not found, error 20404): it found no pending verification to +14155550100 in service \(Self.service)"
                ), "\(message)")
            #expect(message.contains("the service SID, the connection's account or its region is wrong"), "\(message)")
            #expect(message.contains("already approved, cancelled, expired"), "\(message)")
            #expect(message.contains("that attempt may have accepted the code"))
            #expect(message.contains("does not say whether the code was right"))
            #expect(!message.contains("approved.") && !message.contains("denied"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func maxCheckAttemptsIsFinal() async throws {
        try await withTwilio({ _ in Self.twilioError(429, 60202, "Max check attempts reached") }) { harness, server in
            let output = await harness.run(
                ["checkVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "code": "123456"]))
            #expect(output.error["code"] == 60202)
            #expect(output.error["status"] == 429)
            #expect(output.error["retryable"] == false)
            #expect(server.requests.count == 1, "a 60202 is never retried")
            #expect(output.error["message"]?.stringValue?.contains("start a new verification with sendVerification") == true)
        }
    }

    // MARK: cancelVerification

    @Test func cancelVerificationPostsCanceledToTheVerification() async throws {
        try await withTwilio({ _ in .json(200, Self.verification(status: "canceled")) }) { harness, server in
            let byTo = await harness.run(["cancelVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100"]))
            #expect(byTo.exitCode == 0, "\(byTo.stdout)")
            #expect(byTo.data["status"] == "canceled")
            #expect(byTo.data["alreadyGone"] == false)
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.target == Self.servicePath + "/Verifications/%2B14155550100")
            #expect(Self.form(request) == ["Status=canceled"])
            _ = await harness.run(
                ["cancelVerification"] + Harness.inputs(["serviceSid": Self.service, "verificationSid": Self.verificationSid]))
            #expect(server.requests.last?.target == Self.servicePath + "/Verifications/\(Self.verificationSid)")
        }
    }

    /// Idempotent like deleteRecording: retried after a 5xx; a 404 on that retry means done.
    @Test func cancelVerificationTreatsA404OnARetryAsDone() async throws {
        try await withTwilio(
            TestHTTPServer.script(
                [.json(503, #"{"code": 20503, "message": "busy", "status": 503}"#)],
                then: Self.twilioError(404, 20404, "The requested resource was not found"))
        ) { harness, server in
            let output = await harness.run(
                ["cancelVerification"] + Harness.inputs(["serviceSid": Self.service, "verificationSid": Self.verificationSid]))
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data["alreadyGone"] == true)
            #expect(output.data["sid"] == .string(Self.verificationSid))
            #expect(server.requests.count == 2)
        }
        try await withTwilio({ _ in Self.twilioError(404, 20404, "The requested resource was not found") }) { harness, server in
            let output = await harness.run(["cancelVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100"]))
            #expect(output.exitCode == 4)
            #expect(output.error["code"] == 20404)
            #expect(server.requests.count == 1)
        }
    }

    /// A 429 says Twilio did nothing: a 404 on the retry after it means there was no pending
    /// verification before this run asked, an error as at the first attempt.
    @Test func cancelVerificationReportsA404AfterA429() async throws {
        try await withTwilio(
            TestHTTPServer.script(
                [Self.twilioError(429, 20429, "Too Many Requests")],
                then: Self.twilioError(404, 20404, "The requested resource was not found"))
        ) { harness, server in
            let output = await harness.run(
                ["cancelVerification"] + Harness.inputs(["serviceSid": Self.service, "verificationSid": Self.verificationSid]))
            #expect(output.exitCode == 4, "\(output.stdout)")
            #expect(output.error["code"] == 20404)
            #expect(server.requests.count == 2)
        }
    }

    // MARK: createVerifyService

    @Test func createVerifyServiceSendsItsOptions() async throws {
        let service =
            #"{"sid": "\#(Self.service)", "account_sid": "\#(Self.account)", "friendly_name": "Acme", "code_length": 8, "lookup_enabled": true, "date_created": "2025-05-14T22:42:25Z", "date_updated": "2025-05-14T22:42:25Z"}"#
        try await withTwilio({ _ in .json(201, service) }) { harness, server in
            let output = await harness.run(
                ["createVerifyService"]
                    + Harness.inputs([
                        "friendlyName": "Acme", "codeLength": "8", "lookupEnabled": "true", "skipSmsToLandlines": "true",
                        "doNotShareWarningEnabled": "false", "customCodeEnabled": "true",
                    ]))
            #expect(output.exitCode == 0, "\(output.stdout)")
            let request = try #require(server.requests.first)
            #expect(request.target == "/v2/Services")
            #expect(
                Self.form(request) == [
                    "FriendlyName=Acme", "CodeLength=8", "LookupEnabled=true", "SkipSmsToLandlines=true", "DoNotShareWarningEnabled=false",
                    "CustomCodeEnabled=true",
                ])
            #expect(output.data["sid"] == .string(Self.service))
            #expect(output.data["codeLength"] == 8)
            #expect(output.data["dateCreated"] == "2025-05-14T22:42:25.000Z")

            let tooLong = await harness.run(["createVerifyService"] + Harness.inputs(["friendlyName": "Acme", "codeLength": "11"]))
            #expect(tooLong.error["input"] == "codeLength")
            let landlines = await harness.run(
                ["createVerifyService"] + Harness.inputs(["friendlyName": "Acme", "skipSmsToLandlines": "true"]))
            #expect(landlines.error["input"] == "skipSmsToLandlines")
            #expect(server.requests.count == 1)
        }
    }

    // MARK: lookupPhoneNumber

    static let lookup = """
        {"calling_country_code": "1", "country_code": "US", "phone_number": "+14155550100", "national_format": "(415) 555-0100",
         "valid": true, "validation_errors": [], "caller_name": {"caller_name": "ADA", "caller_type": "CONSUMER", "error_code": null},
         "sim_swap": null, "call_forwarding": null,
         "line_type_intelligence": {"mobile_country_code": "310", "mobile_network_code": "456", "carrier_name": "Example", "type": "mobile", "error_code": null},
         "line_status": null, "identity_match": null, "reassigned_number": null, "sms_pumping_risk": null, "phone_number_quality_score": null,
         "pre_fill": null, "url": "https://lookups.twilio.com/v2/PhoneNumbers/+14155550100"}
        """

    @Test func lookupPhoneNumberAsksForTheFieldsAndReturnsThem() async throws {
        try await withTwilio({ _ in .json(200, Self.lookup) }) { harness, server in
            let output = await harness.run([
                "lookupPhoneNumber", "--input", "phoneNumber=+1 415 555 0100", "--input", "fields=caller_name", "--input",
                "fields=line_type_intelligence",
            ])
            #expect(output.exitCode == 0, "\(output.stdout)")
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.target == "/v2/PhoneNumbers/%2B14155550100?Fields=caller_name%2Cline_type_intelligence")
            #expect(
                output.data.objectValue?.keys == [
                    "callingCountryCode", "countryCode", "phoneNumber", "nationalFormat", "valid", "validationErrors", "callerName",
                    "lineTypeIntelligence",
                ])
            #expect(output.data["lineTypeIntelligence"]?["type"] == "mobile")

            let national = await harness.run(
                ["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "(415) 555-0100", "countryCode": "us"]))
            #expect(national.exitCode == 0)
            #expect(server.requests.last?.target == "/v2/PhoneNumbers/4155550100?CountryCode=US")
            #expect(national.data.objectValue?.keys.count == 6)
        }
    }

    @Test func lookupPhoneNumberRefusesWhatItCannotAsk() async throws {
        try await withTwilio({ _ in .json(200, Self.lookup) }) { harness, server in
            let noCountry = await harness.run(["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "4155550100"]))
            #expect(noCountry.exitCode == 2)
            #expect(noCountry.error["input"] == "phoneNumber")
            #expect(noCountry.error["message"]?.stringValue?.contains("needs a Country Code") == true)
            let letters = await harness.run(["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "call me"]))
            #expect(letters.error["input"] == "phoneNumber")
            let field = await harness.run(["lookupPhoneNumber", "--input", "phoneNumber=+14155550100", "--input", "fields=carrier"])
            #expect(field.error["input"] == "fields")
            #expect(server.requests.isEmpty)
        }
    }

    /// Read-only: retried after a 5xx like getSMS; an invalid number is an answer, not an error.
    @Test func lookupPhoneNumberIsRetriedAndReportsInvalidNumbers() async throws {
        let invalid =
            #"{"calling_country_code": null, "country_code": null, "phone_number": "+1415", "national_format": null, "valid": false, "validation_errors": ["TOO_SHORT"]}"#
        try await withTwilio(
            TestHTTPServer.script([.json(503, #"{"code": 20503, "message": "busy", "status": 503}"#)], then: .json(200, invalid))
        ) { harness, server in
            let output = await harness.run(["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "+14155"]))
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(server.requests.count == 2)
            #expect(output.data["valid"] == false)
            #expect(output.data["validationErrors"] == ["TOO_SHORT"])
        }
    }

    /// identity_match, reassigned_number, pre_fill and sms_pumping_risk's parameters go out as
    /// Twilio names them, dates as YYYYMMDD; the identity's secrets appear in no output or log.
    @Test func lookupPhoneNumberSendsEachPackagesParameters() async throws {
        try await withTwilio({ _ in .json(200, Self.lookup) }) { harness, server in
            let output = await harness.run(
                [
                    "lookupPhoneNumber", "--debug", "--input", "fields=identity_match", "--input", "fields=reassigned_number", "--input",
                    "fields=pre_fill", "--input", "fields=sms_pumping_risk",
                ]
                    + Harness.inputs([
                        "phoneNumber": "+14155550100", "firstName": "John", "lastName": "Doe", "addressLine1": "321 Main Street",
                        "city": "New York", "state": "NY", "postalCode": "10021", "addressCountryCode": "us",
                        "nationalId": "YZ 3456/883", "dateOfBirth": "1990-12-14", "lastVerifiedDate": "2024-02-29",
                        "verificationSid": Self.verificationSid, "partnerSubId": "tenant-42",
                    ]))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            let request = try #require(server.requests.first)
            #expect(
                request.target
                    == "/v2/PhoneNumbers/%2B14155550100?Fields=identity_match%2Cpre_fill%2Creassigned_number%2Csms_pumping_risk"
                    + "&FirstName=John&LastName=Doe&AddressLine1=321%20Main%20Street&City=New%20York&State=NY&PostalCode=10021"
                    + "&AddressCountryCode=US&NationalId=YZ%203456%2F883&DateOfBirth=19901214&LastVerifiedDate=20240229"
                    + "&VerificationSid=\(Self.verificationSid)&PartnerSubId=tenant-42")
            for secret in ["YZ 3456/883", "YZ%203456%2F883", "3456%2F883", "1990-12-14", "19901214"] {
                #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret), "\(secret)")
            }
            #expect(output.data.objectValue?.keys.contains("identityMatch") == true)
        }
    }

    @Test func lookupPhoneNumberRefusesPackageParametersWithoutTheirPackage() async throws {
        try await withTwilio({ _ in .json(200, Self.lookup) }) { harness, server in
            let stray = await harness.run(
                ["lookupPhoneNumber"]
                    + Harness.inputs([
                        "phoneNumber": "+14155550100", "lastName": "Doe", "lastVerifiedDate": "2024-01-01", "partnerSubId": "t",
                    ]))
            #expect(stray.exitCode == 2)
            let message = stray.error["message"]?.stringValue ?? ""
            #expect(message.contains("Input 'lastName' (Last Name) is read only by Lookup's identity_match package"), "\(message)")
            #expect(message.contains("Input 'lastVerifiedDate'") && message.contains("reassigned_number"), "\(message)")
            #expect(message.contains("Input 'partnerSubId'") && message.contains("sms_pumping_risk"), "\(message)")

            let nothingToMatch = await harness.run([
                "lookupPhoneNumber", "--input", "phoneNumber=+14155550100", "--input", "fields=identity_match",
            ])
            #expect(nothingToMatch.error["input"] == "fields")
            #expect(nothingToMatch.error["message"]?.stringValue?.contains("give at least one of First Name") == true)

            let noDate = await harness.run([
                "lookupPhoneNumber", "--input", "phoneNumber=+14155550100", "--input", "fields=reassigned_number",
            ])
            #expect(noDate.error["input"] == "lastVerifiedDate")
            #expect(noDate.error["message"]?.stringValue?.contains("is required with reassigned_number") == true)

            let badBirth = await harness.run(
                ["lookupPhoneNumber", "--input", "fields=identity_match"]
                    + Harness.inputs(["phoneNumber": "+14155550100", "dateOfBirth": "1990-02-30", "addressCountryCode": "us"]))
            #expect(badBirth.exitCode == 2)
            let birthMessage = badBirth.error["message"]?.stringValue ?? ""
            #expect(birthMessage.contains("Input 'dateOfBirth' (Date of Birth) is not a date written YYYY-MM-DD"), "\(birthMessage)")
            #expect(!badBirth.stdout.contains("1990-02-30") && !badBirth.stderr.contains("1990-02-30"))
            #expect(server.requests.isEmpty)
        }
    }
}
