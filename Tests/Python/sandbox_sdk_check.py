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
from twilio.base.exceptions import TwilioException, TwilioRestException
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
# Message media, redaction, deletion and incoming phone numbers.
mms = client.messages.create(to="+14155550100", from_="+15005550006", media_url=["https://example.com/a.png", "https://example.com/b.jpg"])
media = client.messages(mms.sid).media.list()
assert [m.content_type for m in media] == ["image/png", "image/jpeg"] and all(m.parent_sid == mms.sid for m in media), media
one = client.messages(mms.sid).media(media[1].sid).fetch()
assert one.sid == media[1].sid and one.content_type == "image/jpeg", one
assert client.messages(mms.sid).media(media[1].sid).delete() is True
assert [m.sid for m in client.messages(mms.sid).media.list()] == [media[0].sid]
assert token_client.messages(mms.sid).fetch().num_media == "1"
assert client.messages(mms.sid).update(body="").body == ""
assert client.messages(mms.sid).delete() is True
try:
    client.messages(mms.sid).media.list()
    raise AssertionError("a deleted message's media still listed")
except TwilioException as error:  # a list's page that fails is reported without the status
    assert "HTTP 404" in str(error) and '"code":20404' in str(error), error
numbers = client.incoming_phone_numbers.list(phone_number="+15005550006")
assert [n.phone_number for n in numbers] == ["+15005550006"] and numbers[0].sms_url == "", numbers
configured = client.incoming_phone_numbers(numbers[0].sid).update(sms_url="https://example.com/sms", voice_url="https://example.com/voice")
assert (configured.sms_url, configured.voice_url, configured.sms_method) == ("https://example.com/sms", "https://example.com/voice", "POST"), configured
try:
    client.incoming_phone_numbers(numbers[0].sid).update(voice_method="PUT")
    raise AssertionError("an invalid method was accepted")
except TwilioRestException as error:
    assert error.status == 400 and error.code == 21403, (error.status, error.code)
assert token_client.incoming_phone_numbers(numbers[0].sid).fetch().voice_url == "https://example.com/voice"
report["mediaAndNumbers"] = {"media": len(media), "afterDelete": 1, "numbers": len(client.incoming_phone_numbers.list()), "configured": configured.sms_url}

# Verify and Lookup: each domain pointed at the sandbox, which serves them at Twilio's own paths.
# The code comes from the sandbox's control endpoint, the only place it is revealed.
for each in (client, token_client):
    each.verify.base_url = base
    each.lookups.base_url = base
import urllib.parse


def sandbox_code(to):
    with urllib.request.urlopen(f"{base}/__sandbox/verifications?to={urllib.parse.quote(to)}") as answer:
        return json.loads(answer.read())["verifications"][0]["code"]


service = client.verify.v2.services.create(friendly_name="SDK check", code_length=5)
assert service.sid.startswith("VA") and service.code_length == 5, service
client.verify.v2.services.create(friendly_name="SDK check 2")
assert len(client.verify.v2.services.list(page_size=1)) == 2  # follows meta.next_page_url to the sandbox
verification = client.verify.v2.services(service.sid).verifications.create(to="+14155550130", channel="sms", locale="en")
assert verification.status == "pending" and verification.sid.startswith("VE") and len(verification.send_code_attempts) == 1, verification
code = sandbox_code("+14155550130")
assert len(code) == 5
wrong = client.verify.v2.services(service.sid).verification_checks.create(to="+14155550130", code="00000" if code != "00000" else "11111")
assert wrong.status == "pending" and wrong.valid is False, wrong.status
approved = token_client.verify.v2.services(service.sid).verification_checks.create(verification_sid=verification.sid, code=code)
assert approved.status == "approved" and approved.valid is True, approved.status
try:
    client.verify.v2.services(service.sid).verification_checks.create(to="+14155550130", code=code)
    raise AssertionError("a check after approval passed")
except TwilioRestException as error:
    assert error.status == 404 and error.code == 20404, (error.status, error.code)
client.verify.v2.services(service.sid).verifications.create(to="+14155550131", channel="call")
for _ in range(5):
    client.verify.v2.services(service.sid).verification_checks.create(to="+14155550131", code="99999x")
try:
    client.verify.v2.services(service.sid).verification_checks.create(to="+14155550131", code=sandbox_code("+14155550131"))
    raise AssertionError("a sixth check passed")
except TwilioRestException as error:
    assert error.status == 429 and error.code == 60202, (error.status, error.code)
to_cancel = client.verify.v2.services(service.sid).verifications.create(to="user@example.com", channel="email")
canceled = client.verify.v2.services(service.sid).verifications(to_cancel.sid).update(status="canceled")
assert canceled.status == "canceled" and client.verify.v2.services(service.sid).verifications(to_cancel.sid).fetch().status == "canceled"
try:
    client.verify.v2.services(service.sid).verifications.create(to="+14155550132", channel="whatsapp")
    raise AssertionError("WhatsApp without a sender was sent")
except TwilioRestException as error:
    assert error.status == 400 and error.code == 60223, (error.status, error.code)
report["verify"] = {"service": service.sid[:2], "wrong": wrong.status, "approved": approved.status, "afterApproval": 20404, "sixthCheck": 60202, "canceled": canceled.status, "whatsapp": 60223}

looked_up = client.lookups.v2.phone_numbers("+14159929960").fetch(fields="line_type_intelligence,caller_name")
assert looked_up.valid is True and looked_up.national_format == "(415) 992-9960", looked_up
national = token_client.lookups.v2.phone_numbers("07772 000001").fetch(country_code="GB", fields="sim_swap")
assert national.phone_number == "+447772000001" and national.sim_swap["carrier_name"] == "Vodafone UK", national
invalid = client.lookups.v2.phone_numbers("+141599299600").fetch()
try:
    client.lookups.v2.phone_numbers("+14159929960").fetch(fields="carrier")
    raise AssertionError("an unknown field was accepted")
except TwilioRestException as error:
    assert error.status == 400 and error.code == 60200, (error.status, error.code)
compared = client.lookups.v2.phone_numbers("+14155550100").fetch(
    fields="identity_match,reassigned_number,pre_fill,sms_pumping_risk", first_name="Alex", last_name="Rivera",
    date_of_birth="19901214", last_verified_date="20240514", verification_sid="VE" + "b" * 32, partner_sub_id="tenant-42")
assert compared.identity_match["city_match"] == "no_data_available" and compared.identity_match["error_code"] is None, compared.identity_match
assert compared.pre_fill["country_code"] == "US" and compared.sms_pumping_risk["error_code"] is None, compared
report["lookup"] = {"type": looked_up.line_type_intelligence["type"], "callerName": looked_up.caller_name["caller_name"], "national": national.phone_number, "invalid": invalid.validation_errors, "reassigned": compared.reassigned_number}
print(json.dumps(report))
