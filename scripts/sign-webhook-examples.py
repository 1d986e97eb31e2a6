#!/usr/bin/env python3
"""Writes examples/webhooks/*.json: Twilio webhooks in the engine's payload shape, signed by the
official twilio package's RequestValidator with the sandbox's Auth Token for the URL they name.

Run with the project's virtual environment: .venv/bin/python scripts/sign-webhook-examples.py
(the tests check that the files are what this script writes, and that they validate).
"""
import json
import pathlib
import sys
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

SANDBOX_AUTH_TOKEN = "5a5b0a9c1d2e3f405162738495a6b7c8"
ACCOUNT = "AC" + "a" * 32
BASE = "https://hooks.example.com/trigger/EXAMPLEG"

INCOMING = [
    ("ToCountry", "US"), ("ToState", "CA"), ("SmsMessageSid", "SM" + "c" * 32), ("NumMedia", "1"),
    ("ToCity", "SAN FRANCISCO"), ("FromZip", "94105"), ("SmsSid", "SM" + "c" * 32), ("FromState", "CA"),
    ("SmsStatus", "received"), ("FromCity", "SAN FRANCISCO"), ("Body", "Hello from my phone! Café at 5?"),
    ("FromCountry", "US"), ("To", "+15005550006"), ("ToZip", "94105"), ("NumSegments", "1"),
    ("MessageSid", "SM" + "c" * 32), ("AccountSid", ACCOUNT), ("From", "+14155550100"),
    ("MediaContentType0", "image/jpeg"),
    ("MediaUrl0", f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/{'SM' + 'c' * 32}/Media/{'ME' + 'd' * 32}"),
    ("ApiVersion", "2010-04-01"),
]

# A call to one of the account's numbers, and the caller's key press coming back to the
# voiceWebhook trigger that answered with a <Gather> (its action carries ?event=gather-result).
VOICE_BASE = "https://hooks.example.com/trigger/EXAMPLEV"
INCOMING_CALL = [
    ("AccountSid", ACCOUNT), ("ApiVersion", "2010-04-01"), ("CallSid", "CA" + "c" * 32), ("CallStatus", "ringing"),
    ("Called", "+15005550006"), ("CalledCountry", "US"), ("Caller", "+14155550100"), ("CallerCountry", "US"),
    ("Direction", "inbound"), ("From", "+14155550100"), ("FromCountry", "US"), ("To", "+15005550006"), ("ToCountry", "US"),
]
GATHER_RESULT = INCOMING_CALL[:3] + [("CallStatus", "in-progress")] + INCOMING_CALL[4:] + [
    ("Digits", "1"), ("FinishedOnKey", ""), ("msg", "Gather End"),
]

STATUS = [
    ("AccountSid", ACCOUNT), ("ApiVersion", "2010-04-01"), ("From", "+15005550006"),
    ("MessageSid", "SM" + "b" * 32), ("MessageStatus", "delivered"), ("RawDlrDoneDate", "2511291015"),
    ("SmsSid", "SM" + "b" * 32), ("SmsStatus", "delivered"), ("To", "+14155550100"),
]


def payload(parameters, query, idempotency_token, base=BASE):
    url = base + ("?" + urlencode(query) if query else "")
    body = urlencode(parameters)
    signature = RequestValidator(SANDBOX_AUTH_TOKEN).compute_signature(url, dict_of_lists(parameters))
    return {
        "headers": {
            "Host": "hooks.example.com",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "Accept": "*/*",
            "X-Twilio-Signature": signature,
            "I-Twilio-Idempotency-Token": idempotency_token,
        },
        "body": {"data": body, "contentType": "application/x-www-form-urlencoded"},
        "rawBody": {"data": {"type": "Buffer", "data": list(body.encode())}},
        "queryParameters": dict(query) if query else None,
        "webhookUrls": {"Flow 1": base},
        "webhookApiKeys": {"Flow 1": ["abc-123"]},
        "customer": {"id": "customer-example-id", "externalId": "customer-example-external-id", "name": "John Doe"},
        "pathFragment": "",
        "invokeUrl": "",
        "executionId": "",
        "startedAt": "",
        "globalDebug": False,
    }


class MultiDict(dict):
    """Form parameters with repeated names, read the way RequestValidator reads Flask's MultiDict."""

    def getall(self, name):
        return self[name]


def dict_of_lists(parameters):
    grouped = MultiDict()
    for name, value in parameters:
        grouped.setdefault(name, []).append(value)
    return grouped


def render(value):
    # One byte list per line keeps the files readable.
    text = json.dumps(value, indent=2, ensure_ascii=False)
    data = json.dumps(value["rawBody"]["data"]["data"])
    expanded = json.dumps(value["rawBody"]["data"]["data"], indent=2).replace("\n", "\n      ")
    return text.replace(expanded, data) + "\n"


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "examples" / "webhooks"
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "incoming-sms.json": payload(INCOMING, None, "2c5b5e4a-6a1d-4f4e-9a57-1d0c3c1c9e11-6812345678901234567"),
        "status-callback.json": payload(STATUS, [("flow", "status")], "8d0e3a7b-2b55-4c8b-b1a4-5e9f0c2d7a31-6898765432109876543"),
        "incoming-call.json": payload(INCOMING_CALL, None, "6b0b2a51-3d5c-4f0e-8f1b-2f6b9c1d7e22-1234567890123456789",
                                      base=VOICE_BASE),
        "gather-result.json": payload(GATHER_RESULT, [("event", "gather-result")],
                                      "0f4c7d2e-91b3-4a65-8c1e-7d2b5a9f3e10-1234567890123456790", base=VOICE_BASE),
    }
    check = "--check" in sys.argv
    stale = []
    for name, value in files.items():
        path = root / name
        text = render(value)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        sys.exit("stale: " + ", ".join(stale) + "; run .venv/bin/python scripts/sign-webhook-examples.py")


if __name__ == "__main__":
    main()
