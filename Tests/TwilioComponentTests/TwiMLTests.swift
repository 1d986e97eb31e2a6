import ComponentCore
import TestSupport
import Testing

@testable import TwilioComponent

/// TwiML the component writes is escaped and valid by construction; TwiML a user writes is
/// checked before a call is placed with it.
@Suite(.timingInsensitive) struct TwiMLTests {
    @Test func rendersVerbsWithOnlyTheAttributesGivenInAStableOrder() {
        let twiml = TwiMLResponse([
            .say(TwiMLSay(text: "Press 1 for <sales> & \"support\"", voice: "Polly.Amy", language: "en-GB")),
            .gather(
                TwiMLGather(
                    action: "https://hooks.example.com/v?event=gather-result&x=1", input: "dtmf", numDigits: 1, timeout: 5,
                    prompts: [.play(url: "https://x.example/a.mp3"), .hangup])),
            .dial(TwiMLDial(targets: [.number("+15005550006")], timeout: 20)),
            .record(TwiMLRecord(action: "https://h.example/r", maxLength: 60, playBeep: true)),
            .redirect(url: "https://h.example/next", method: "POST"),
            .pause(seconds: 2),
            .reject(reason: "busy"),
            .hangup,
        ]).render()
        #expect(
            twiml
                == #"<?xml version="1.0" encoding="UTF-8"?><Response>"#
                + #"<Say voice="Polly.Amy" language="en-GB">Press 1 for &lt;sales&gt; &amp; "support"</Say>"#
                + #"<Gather input="dtmf" action="https://hooks.example.com/v?event=gather-result&amp;x=1" numDigits="1" timeout="5"><Play>https://x.example/a.mp3</Play></Gather>"#
                + #"<Dial timeout="20"><Number>+15005550006</Number></Dial>"#
                + #"<Record action="https://h.example/r" maxLength="60" playBeep="true"/>"#
                + #"<Redirect method="POST">https://h.example/next</Redirect><Pause length="2"/><Reject reason="busy"/><Hangup/></Response>"#
        )
        // A verb Twilio does not allow inside <Gather> (here Hangup) is left out, so the result passes the check.
        #expect(TwiMLCheck.problem(in: twiml) == nil)
        #expect(TwiMLResponse().render() == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
    }

    @Test(arguments: [
        (
            "<Response><Say>Hi</Say>",
            "It is not well-formed XML at line 1, column 24: The document ends inside <Response>: it needs </Response>"
        ),
        ("<Say>Hi</Say>", "Its root element is <Say> (line 1, column 1); TwiML starts with <Response>"),
        ("<Response>Hello</Response>", "<Response> holds text outside any verb; put spoken text inside <Say>"),
        ("<Response><Speak>Hi</Speak></Response>", "<Speak> (line 1, column 11) is not a voice verb; use one of"),
        (
            "<Response><Gather><Dial>+1</Dial></Gather></Response>",
            "<Dial> (line 1, column 19) cannot be inside <Gather>, which holds <Pause>, <Play>, <Say>"
        ),
        ("<Response><Play/></Response>", "<Play> (line 1, column 11) needs a URL as its text"),
        ("<Response><Say>AT&T</Say></Response>", "It is not well-formed XML at line 1, column 18: & must start a reference"),
    ])
    func refusesTwiMLTwilioCouldNotRun(twiml: String, expected: String) {
        let problem = TwiMLCheck.problem(in: twiml)
        #expect(problem?.hasPrefix(expected) == true, "\(problem ?? "nil")")
    }

    @Test func acceptsTwiMLAsTwilioDocumentsIt() {
        let documented = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response>
                <Gather input="speech dtmf" timeout="3" numDigits="1">
                    <Say>Please press 1 or say sales for sales.</Say>
                </Gather>
                <Say>We didn't receive any input. <break time="1s"/> Goodbye!</Say>
                <Dial callerId="+15005550006"><Number sendDigits="wwww1928">+15005550006</Number><Client>jenny</Client></Dial>
                <Play digits="wwww3"/>
                <Connect><Stream url="wss://example.com/stream"/></Connect>
            </Response>
            """
        #expect(TwiMLCheck.problem(in: documented) == nil)
    }
}
