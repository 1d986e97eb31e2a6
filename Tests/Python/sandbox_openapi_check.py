"""Drives the sandbox through each of the five Messages operations, the Calls and Recordings
operations, and message Media and IncomingPhoneNumbers, with plain HTTP and validates every
response body against Twilio's OpenAPI schema (a slice of it for those resources), made strict:
every property the schema declares must be present, and no other.

Usage: python sandbox_openapi_check.py BASE_URL ACCOUNT_SID AUTH_TOKEN SLICE.json"""
import copy
import json
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import requests
from openapi_schema_validator import OAS30Validator

base, account, token, slice_path = sys.argv[1:5]
spec = json.load(open(slice_path))
auth = (account, token)
messages_url = f"{base}/2010-04-01/Accounts/{account}/Messages.json"
RFC2822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$")


def resolve(node):
    """Inlines $refs and makes every object schema strict (all properties required, no others)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve(copy.deepcopy(spec["components"]["schemas"][node["$ref"].split("/")[-1]]))
        out = {key: resolve(value) for key, value in node.items() if key != "example"}
        if out.get("type") == "object" and "properties" in out and out.get("format") != "uri-map":
            out["required"] = sorted(out["properties"].keys())
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [resolve(item) for item in node]
    return node


def schema(path, method, status):
    response = spec["paths"][path][method]["responses"][str(status)]
    return resolve(response["content"]["application/json"]["schema"])


MESSAGE_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
LIST_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
checked = []


def check(name, response, path, method, status, into=None):
    assert response.status_code == status, f"{name}: status {response.status_code}, body {response.text}"
    body = response.json()
    errors = sorted(OAS30Validator(schema(path, method, status)).iter_errors(body), key=str)
    assert not errors, f"{name}: {len(errors)} schema errors, first: {errors[0].message} at {list(errors[0].absolute_path)}"
    items = next((body[key] for key in ("messages", "calls", "recordings", "media_list", "incoming_phone_numbers") if key in body), [body])
    for item in items:
        for key in ("date_created", "date_updated", "date_sent", "start_time", "end_time"):
            value = item.get(key)
            assert value is None or RFC2822.match(value), f"{name}: {key} {value!r} is not RFC 2822"
    (checked if into is None else into).append(f"{name} {status}")
    return body


send_at = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
service = "MG" + "c" * 32
created = check("create", requests.post(messages_url, auth=auth, data={"To": "+14155550100", "From": "+15005550006", "Body": "Hello ✓"}), LIST_PATH, "post", 201)
assert created["status"] == "queued" and created["date_sent"] is None and created["num_segments"] == "1"
check("create with a Messaging Service", requests.post(messages_url, auth=auth, data={"To": "+14155550100", "MessagingServiceSid": service, "Body": "Hi"}), LIST_PATH, "post", 201)
scheduled = check("create scheduled", requests.post(messages_url, auth=auth, data={
    "To": "+14155550100", "MessagingServiceSid": service, "Body": "Later", "ScheduleType": "fixed", "SendAt": send_at}), LIST_PATH, "post", 201)
assert scheduled["status"] == "scheduled"
templated = check("create from a content template, on WhatsApp", requests.post(messages_url, auth=auth, data={
    "To": "whatsapp:+14155550100", "From": "whatsapp:+15005550006", "ContentSid": "HX" + "a1" * 16,
    "ContentVariables": json.dumps({"1": "Friday", "2": "4pm"})}), LIST_PATH, "post", 201)
assert templated["body"] == "Your appointment is coming up on Friday at 4pm. Reply C to confirm.", templated["body"]
check("create with the send options", requests.post(messages_url, auth=auth, data={
    "To": "+14155550100", "MessagingServiceSid": service, "Body": "“See” https://example.com", "ShortenUrls": "true",
    "SmartEncoded": "true", "MaxPrice": "0.05", "RiskCheck": "disable", "Attempt": "1"}), LIST_PATH, "post", 201)
check("create MMS", requests.post(messages_url, auth=auth, data=[("To", "+14155550100"), ("From", "+15005550006"), ("MediaUrl", "https://example.com/a.png"), ("MediaUrl", "https://example.com/b.png")]), LIST_PATH, "post", 201)
for number in ("+15005559010", "+15005559011"):
    failed = requests.post(messages_url, auth=auth, data={"To": number, "From": "+15005550006", "Body": "Doomed"}).json()
    time.sleep(0.05)
    body = check(f"fetch message to {number}", requests.get(f"{base}/2010-04-01/Accounts/{account}/Messages/{failed['sid']}.json", auth=auth), MESSAGE_PATH, "get", 200)
    assert body["status"] in ("undelivered", "failed") and isinstance(body["error_code"], int)

fetched = check("fetch", requests.get(f"{base}/2010-04-01/Accounts/{account}/Messages/{created['sid']}.json", auth=auth), MESSAGE_PATH, "get", 200)
assert fetched["sid"] == created["sid"]
page = check("list", requests.get(messages_url, auth=auth, params={"To": "+14155550100", "PageSize": 2}), LIST_PATH, "get", 200)
assert page["next_page_uri"] and len(page["messages"]) == 2
check("list next page", requests.get(base + page["next_page_uri"], auth=auth), LIST_PATH, "get", 200)
check("list empty", requests.get(messages_url, auth=auth, params={"To": "+19999999999"}), LIST_PATH, "get", 200)
redacted = check("update (redact)", requests.post(f"{base}/2010-04-01/Accounts/{account}/Messages/{created['sid']}.json", auth=auth, data={"Body": ""}), MESSAGE_PATH, "post", 200)
assert redacted["body"] == ""
canceled = check("update (cancel)", requests.post(f"{base}/2010-04-01/Accounts/{account}/Messages/{scheduled['sid']}.json", auth=auth, data={"Status": "canceled"}), MESSAGE_PATH, "post", 200)
assert canceled["status"] == "canceled"
deleted = requests.delete(f"{base}/2010-04-01/Accounts/{account}/Messages/{created['sid']}.json", auth=auth)
assert deleted.status_code == 204 and deleted.content == b"", f"delete: {deleted.status_code} {deleted.content!r}"
checked.append("delete 204")

# Calls and recordings: the sandbox runs the TwiML at once (lifecycle step 0).
calls_url = f"{base}/2010-04-01/Accounts/{account}/Calls.json"
CALL_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json"
CALLS_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls.json"
RECORDING_PATH = "/2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json"


def call_log(sid, query):
    return requests.get(f"{base}/__sandbox/calls/{sid}?{query}").json()


call = check("create call", requests.post(calls_url, auth=auth, data={
    "To": "+14155550100", "From": "+15005550006", "Twiml": "<Response><Say>Hi</Say></Response>", "Record": "true"}), CALLS_PATH, "post", 201)
assert call["status"] == "queued" and call["sid"].startswith("CA"), call
assert call_log(call["sid"], "status=completed")["call"]["status"] == "completed"
done = check("fetch call", requests.get(f"{base}/2010-04-01/Accounts/{account}/Calls/{call['sid']}.json", auth=auth), CALL_PATH, "get", 200)
assert done["duration"] and done["price"] and done["end_time"], done
waiting = requests.post(calls_url, auth=auth, data={
    "To": "+14155550100", "From": "+15005550006", "Twiml": "<Response><Gather timeout=\"20\"/></Response>"}).json()
call_log(waiting["sid"], "waitFor=gather")
hung_up = check("update call (hang up)", requests.post(f"{base}/2010-04-01/Accounts/{account}/Calls/{waiting['sid']}.json", auth=auth, data={"Status": "completed"}), CALL_PATH, "post", 200)
assert hung_up["status"] == "completed", hung_up
calls = check("list calls", requests.get(calls_url, auth=auth, params={"To": "+14155550100", "PageSize": 1}), CALLS_PATH, "get", 200)
assert calls["next_page_uri"] and len(calls["calls"]) == 1
recordings = check("list recordings", requests.get(f"{base}/2010-04-01/Accounts/{account}/Recordings.json", auth=auth, params={"CallSid": call["sid"]}), "/2010-04-01/Accounts/{AccountSid}/Recordings.json", "get", 200)
assert len(recordings["recordings"]) == 1 and recordings["recordings"][0]["source"] == "OutboundAPI", recordings
check("list a call's recordings", requests.get(f"{base}/2010-04-01/Accounts/{account}/Calls/{call['sid']}/Recordings.json", auth=auth), "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json", "get", 200)
recording = check("fetch recording", requests.get(f"{base}/2010-04-01/Accounts/{account}/Recordings/{recordings['recordings'][0]['sid']}.json", auth=auth), RECORDING_PATH, "get", 200)
media = requests.get(recording["media_url"] + ".wav", auth=auth)
assert media.status_code == 200 and media.headers["Content-Type"] == "audio/x-wav" and media.content[:4] == b"RIFF", media.status_code
# Message media and incoming phone numbers (reported apart, under "mediaAndNumbers").
media_and_numbers = []
MEDIA_LIST_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json"
MEDIA_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json"
mms = requests.post(messages_url, auth=auth, data=[("To", "+14155550100"), ("From", "+15005550006"), ("MediaUrl", "https://example.com/a.png"), ("MediaUrl", "https://example.com/b.pdf")]).json()
mms_url = f"{base}/2010-04-01/Accounts/{account}/Messages/{mms['sid']}"
listed_media = check("list media", requests.get(mms_url + "/Media.json", auth=auth, params={"PageSize": 1}), MEDIA_LIST_PATH, "get", 200, media_and_numbers)
assert len(listed_media["media_list"]) == 1 and listed_media["next_page_uri"], listed_media
rest = check("list media next page", requests.get(base + listed_media["next_page_uri"], auth=auth), MEDIA_LIST_PATH, "get", 200, media_and_numbers)
media_items = listed_media["media_list"] + rest["media_list"]
assert [m["content_type"] for m in media_items] == ["image/png", "application/pdf"], media_items
first = check("fetch media", requests.get(base + media_items[0]["uri"], auth=auth), MEDIA_PATH, "get", 200, media_and_numbers)
assert first["parent_sid"] == mms["sid"] and first["sid"].startswith("ME"), first
content = requests.get(base + first["uri"][: -len(".json")], auth=auth)
assert content.status_code == 200 and content.headers["Content-Type"] == "image/png" and content.content[:8] == b"\x89PNG\r\n\x1a\n", content.status_code
removed = requests.delete(base + media_items[1]["uri"], auth=auth)
assert removed.status_code == 204 and removed.content == b"", removed.status_code
media_and_numbers.append("delete media 204")
after = check("list media after a delete", requests.get(mms_url + "/Media.json", auth=auth), MEDIA_LIST_PATH, "get", 200, media_and_numbers)
assert [m["sid"] for m in after["media_list"]] == [first["sid"]], after
assert requests.get(mms_url + ".json", auth=auth).json()["num_media"] == "1"

NUMBERS_PATH = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
NUMBER_PATH = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
numbers_url = f"{base}/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json"
numbers = check("list numbers", requests.get(numbers_url, auth=auth), NUMBERS_PATH, "get", 200, media_and_numbers)
assert {n["phone_number"] for n in numbers["incoming_phone_numbers"]} == {"+15005550006", "+15017122661"}, numbers
filtered = check("list numbers by PhoneNumber", requests.get(numbers_url, auth=auth, params={"PhoneNumber": "+15005550006"}), NUMBERS_PATH, "get", 200, media_and_numbers)
assert [n["friendly_name"] for n in filtered["incoming_phone_numbers"]] == ["(500) 555-0006"], filtered
number_url = f"{base}/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{filtered['incoming_phone_numbers'][0]['sid']}.json"
check("fetch number", requests.get(number_url, auth=auth), NUMBER_PATH, "get", 200, media_and_numbers)
updated = check("update number", requests.post(number_url, auth=auth, data={"SmsUrl": "https://example.com/sms", "SmsMethod": "GET", "VoiceUrl": "https://example.com/voice"}), NUMBER_PATH, "post", 200, media_and_numbers)
assert (updated["sms_url"], updated["sms_method"], updated["voice_url"]) == ("https://example.com/sms", "GET", "https://example.com/voice"), updated
refused = requests.post(number_url, auth=auth, data={"SmsUrl": "ftp://example.com/sms"})
assert refused.status_code == 400 and refused.json()["code"] == 21402, refused.text
# Verify v2 and Lookup v2, against the slices of their own descriptions beside the 2010 one
# (reported apart, under "verifyAndLookup"). Lookup's description marks its packages and their
# fields non-nullable, while Twilio's own examples (and its API) give null for a package not
# requested and for error_code: there every property may be null, but must be present, and typed
# when it is not null.
import os

verify_and_lookup = []
fixtures = os.path.dirname(slice_path)
verify_spec = json.load(open(os.path.join(fixtures, "twilio_verify_v2_slice.json")))
lookup_spec = json.load(open(os.path.join(fixtures, "twilio_lookups_v2_slice.json")))
ISO8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def resolve_v2(node, document, nullable):
    if isinstance(node, dict):
        if "$ref" in node:
            return resolve_v2(copy.deepcopy(document["components"]["schemas"][node["$ref"].split("/")[-1]]), document, nullable)
        out = {key: resolve_v2(value, document, nullable) for key, value in node.items() if key != "example"}
        if out.get("type") == "object" and "properties" in out and out.get("format") != "uri-map":
            out["required"] = sorted(out["properties"].keys())
            out["additionalProperties"] = False
        if nullable and "properties" in out:
            out["properties"] = {key: dict(value, nullable=True) for key, value in out["properties"].items()}
        return out
    if isinstance(node, list):
        return [resolve_v2(item, document, nullable) for item in node]
    return node


def check_v2(name, response, document, path, method, status):
    assert response.status_code == status, f"{name}: status {response.status_code}, body {response.text}"
    body = response.json()
    nullable = document is lookup_spec
    validator = OAS30Validator(resolve_v2(document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"], document, nullable))
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"{name}: {len(errors)} schema errors, first: {errors[0].message} at {list(errors[0].absolute_path)}"
    for item in body.get("services", [body]):
        for key in ("date_created", "date_updated"):
            value = item.get(key)
            assert value is None or ISO8601.match(value), f"{name}: {key} {value!r} is not ISO 8601"
    verify_and_lookup.append(f"{name} {status}")
    return body


def verify_code(to):
    return requests.get(f"{base}/__sandbox/verifications", params={"to": to}).json()["verifications"][0]["code"]


SERVICES_PATH, SERVICE_PATH = "/v2/Services", "/v2/Services/{Sid}"
VERIFICATIONS_PATH, VERIFICATION_PATH = "/v2/Services/{ServiceSid}/Verifications", "/v2/Services/{ServiceSid}/Verifications/{Sid}"
CHECK_PATH = "/v2/Services/{ServiceSid}/VerificationCheck"
service = check_v2("create Verify service", requests.post(f"{base}/v2/Services", auth=auth, data={"FriendlyName": "OpenAPI check", "CodeLength": "7"}), verify_spec, SERVICES_PATH, "post", 201)
service_url = f"{base}/v2/Services/{service['sid']}"
check_v2("create another Verify service", requests.post(f"{base}/v2/Services", auth=auth, data={"FriendlyName": "Second"}), verify_spec, SERVICES_PATH, "post", 201)
services = check_v2("list Verify services", requests.get(f"{base}/v2/Services", auth=auth, params={"PageSize": 1}), verify_spec, SERVICES_PATH, "get", 200)
assert len(services["services"]) == 1 and services["meta"]["next_page_url"].startswith(base), services["meta"]
check_v2("list Verify services, next page", requests.get(services["meta"]["next_page_url"], auth=auth), verify_spec, SERVICES_PATH, "get", 200)
check_v2("fetch Verify service", requests.get(service_url, auth=auth), verify_spec, SERVICE_PATH, "get", 200)
check_v2("update Verify service", requests.post(service_url, auth=auth, data={"Whatsapp.From": "whatsapp:+15005550006", "LookupEnabled": "true"}), verify_spec, SERVICE_PATH, "post", 200)
sent = check_v2("send verification", requests.post(service_url + "/Verifications", auth=auth, data={"To": "+14155550120", "Channel": "sms"}), verify_spec, VERIFICATIONS_PATH, "post", 201)
assert sent["status"] == "pending" and sent["lookup"]["carrier"]["type"] == "mobile", sent
check_v2("send verification by email", requests.post(service_url + "/Verifications", auth=auth, data={"To": "user@example.com", "Channel": "email"}), verify_spec, VERIFICATIONS_PATH, "post", 201)
check_v2("fetch verification", requests.get(f"{service_url}/Verifications/{sent['sid']}", auth=auth), verify_spec, VERIFICATION_PATH, "get", 200)
code = verify_code("+14155550120")
assert len(code) == 7 and code not in json.dumps(sent)
wrong = check_v2("check a wrong code", requests.post(service_url + "/VerificationCheck", auth=auth, data={"To": "+14155550120", "Code": "x" * 7}), verify_spec, CHECK_PATH, "post", 200)
assert wrong["status"] == "pending" and wrong["valid"] is False, wrong
right = check_v2("check the right code", requests.post(service_url + "/VerificationCheck", auth=auth, data={"VerificationSid": sent["sid"], "Code": code}), verify_spec, CHECK_PATH, "post", 200)
assert right["status"] == "approved" and right["valid"] is True, right
canceled_by_to = requests.post(service_url + "/Verifications", auth=auth, data={"To": "+14155550121", "Channel": "whatsapp"}).json()
canceled = check_v2("cancel verification", requests.post(f"{service_url}/Verifications/{canceled_by_to['sid']}", auth=auth, data={"Status": "canceled"}), verify_spec, VERIFICATION_PATH, "post", 200)
assert canceled["status"] == "canceled", canceled
deleted_service = requests.delete(service_url, auth=auth)
assert deleted_service.status_code == 204 and deleted_service.content == b"", deleted_service.status_code
verify_and_lookup.append("delete Verify service 204")

LOOKUP_PATH = "/v2/PhoneNumbers/{PhoneNumber}"
PACKAGES = "caller_name,sim_swap,call_forwarding,line_status,line_type_intelligence,identity_match,reassigned_number,sms_pumping_risk,phone_number_quality_score,pre_fill,validation"
basic = check_v2("lookup", requests.get(f"{base}/v2/PhoneNumbers/+14159929960", auth=auth), lookup_spec, LOOKUP_PATH, "get", 200)
assert basic["valid"] is True and basic["national_format"] == "(415) 992-9960", basic
for number in ("+14159929960", "+447772000001", "+14155550190", "+12125550147"):
    every = check_v2(f"lookup {number} with every package", requests.get(f"{base}/v2/PhoneNumbers/{number}", auth=auth, params={"Fields": PACKAGES, "FirstName": "Sam", "LastVerifiedDate": "20240101"}), lookup_spec, LOOKUP_PATH, "get", 200)
    assert every["line_type_intelligence"]["type"] and every["sms_pumping_risk"] is not None, every
invalid = check_v2("lookup an invalid number", requests.get(f"{base}/v2/PhoneNumbers/+141599299600", auth=auth, params={"Fields": "line_type_intelligence"}), lookup_spec, LOOKUP_PATH, "get", 200)
assert invalid["valid"] is False and invalid["validation_errors"] == ["TOO_LONG"], invalid
national = check_v2("lookup a national number", requests.get(f"{base}/v2/PhoneNumbers/07772 000001", auth=auth, params={"CountryCode": "GB"}), lookup_spec, LOOKUP_PATH, "get", 200)
assert national["phone_number"] == "+447772000001", national
unknown_field = requests.get(f"{base}/v2/PhoneNumbers/+14159929960", auth=auth, params={"Fields": "carrier"})
assert unknown_field.status_code == 400 and unknown_field.json()["code"] == 60200, unknown_field.text
print(json.dumps({"checked": checked, "mediaAndNumbers": media_and_numbers, "verifyAndLookup": verify_and_lookup}))
