"""Drives the sandbox with the official twilio package (9.13.0), unchanged but for its base URL,
and validates the sandbox's status callbacks with the package's RequestValidator.

Usage: python sandbox_sdk_check.py BASE_URL ACCOUNT_SID AUTH_TOKEN API_KEY API_SECRET"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl

import twilio
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

base, account, token, key, secret = sys.argv[1:6]
assert twilio.__version__ == "9.13.0", twilio.__version__
report = {}

received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(b"<Response/>")

    def log_message(self, *args):
        pass


receiver = HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
callback_url = f"http://127.0.0.1:{receiver.server_port}/status?tenant=a"

# An API key client, as the component's apiKey connection uses, and an Auth Token client.
client = Client(key, secret, account)
client.api.base_url = base
token_client = Client(account, token)
token_client.api.base_url = base

message = client.messages.create(to="+14155550100", from_="+15005550006", body="Hello from the SDK", status_callback=callback_url)
assert message.status == "queued" and message.sid.startswith("SM") and message.num_segments == "1", message
report["create"] = message.sid

failures = {}
for from_, to, code in (("+15005550006", "+15005550001", 21211), ("+15005550001", "+14155550100", 21212), ("+15005550006", "+15005550009", 21614)):
    try:
        client.messages.create(to=to, from_=from_, body="x")
        raise AssertionError(f"{from_} → {to} did not fail")
    except TwilioRestException as error:
        assert error.code == code and error.status == 400, (error.code, error.status, error.msg)
        failures[f"{from_}->{to}"] = error.code
report["failures"] = failures

fetched = token_client.messages(message.sid).fetch()
assert fetched.sid == message.sid and fetched.body == "Hello from the SDK" and fetched.to == "+14155550100"
report["fetch"] = fetched.status

for index in range(125):
    client.messages.create(to="+14155550199", from_="+15005550006", body=f"Bulk {index}")
listed = client.messages.list(to="+14155550199", page_size=50)
assert len(listed) == 125 and len({m.sid for m in listed}) == 125, len(listed)
everything = client.messages.list(page_size=40)
assert len(everything) == 126, len(everything)
report["list"] = {"filtered": len(listed), "all": len(everything)}

updated = client.messages(message.sid).update(body="")
assert updated.body == "", updated.body
report["update"] = "redacted"

assert client.messages(listed[0].sid).delete() is True
try:
    client.messages(listed[0].sid).fetch()
    raise AssertionError("deleted message still fetched")
except TwilioRestException as error:
    assert error.status == 404 and error.code == 20404, (error.status, error.code)
report["delete"] = "gone"

try:
    bad = Client(account, "0" * 32)
    bad.api.base_url = base
    bad.messages.create(to="+14155550100", from_="+15005550006", body="x")
    raise AssertionError("wrong token accepted")
except TwilioRestException as error:
    assert error.status == 401 and error.code == 20003, (error.status, error.code)
report["badCredentials"] = 20003

deadline = time.time() + 10
while time.time() < deadline and len([r for r in received if message.sid in r[2]]) < 3:
    time.sleep(0.05)
validator = RequestValidator(token)
statuses = []
for path, headers, body in received:
    params = dict(parse_qsl(body, keep_blank_values=True))
    if params.get("MessageSid") != message.sid:
        continue
    url = f"http://127.0.0.1:{receiver.server_port}{path}"
    signature = headers.get("X-Twilio-Signature")
    assert validator.validate(url, params, signature), f"callback {params} does not validate"
    tampered = dict(params, MessageStatus="failed" if params["MessageStatus"] != "failed" else "sent")
    assert not validator.validate(url, tampered, signature), "a tampered callback validated"
    assert headers.get("I-Twilio-Idempotency-Token"), "no idempotency token"
    statuses.append(params["MessageStatus"])
assert statuses == ["sending", "sent", "delivered"], statuses
report["callbacks"] = statuses

# Calls and recordings (the sandbox runs the TwiML at once: lifecycle step 0).
import urllib.request


def call_log(sid, query):
    with urllib.request.urlopen(f"{base}/__sandbox/calls/{sid}?{query}") as answer:
        return json.loads(answer.read())


call = client.calls.create(to="+14155550100", from_="+15005550006", twiml="<Response><Say>Hello from the SDK</Say></Response>", record=True)
assert call.status == "queued" and call.sid.startswith("CA"), call
assert call_log(call.sid, "status=completed")["events"][0]["text"] == "Hello from the SDK"
fetched_call = token_client.calls(call.sid).fetch()
assert fetched_call.status == "completed" and fetched_call.to == "+14155550100" and int(fetched_call.duration) >= 1, fetched_call
waiting = client.calls.create(to="+14155550101", from_="+15005550006", twiml='<Response><Gather timeout="20"/></Response>')
call_log(waiting.sid, "waitFor=gather")
hung_up = client.calls(waiting.sid).update(status="completed")
assert hung_up.status == "completed", hung_up.status
try:
    client.calls(waiting.sid).update(status="canceled")
    raise AssertionError("a finished call was canceled")
except TwilioRestException as error:
    assert error.status == 400 and error.code == 21220, (error.status, error.code)
listed_calls = client.calls.list(to="+14155550100", page_size=1)
assert [c.sid for c in listed_calls] == [call.sid], listed_calls
recordings = client.recordings.list(call_sid=call.sid)
assert len(recordings) == 1 and recordings[0].source == "OutboundAPI", recordings
recording = token_client.recordings(recordings[0].sid).fetch()
assert recording.call_sid == call.sid and recording.duration == fetched_call.duration, (recording.duration, fetched_call.duration)
report["calls"] = {"created": call.sid[:2], "status": fetched_call.status, "hungUp": hung_up.status, "listed": len(listed_calls), "recordings": len(recordings)}
print(json.dumps(report))
