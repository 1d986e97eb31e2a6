"""Drives the sandbox through each of the five Messages operations, and the Calls and Recordings
operations, with plain HTTP and validates every response body against Twilio's OpenAPI schema (a
slice of it for those resources), made strict: every property the schema declares must be present,
and no other.

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


def check(name, response, path, method, status):
    assert response.status_code == status, f"{name}: status {response.status_code}, body {response.text}"
    body = response.json()
    errors = sorted(OAS30Validator(schema(path, method, status)).iter_errors(body), key=str)
    assert not errors, f"{name}: {len(errors)} schema errors, first: {errors[0].message} at {list(errors[0].absolute_path)}"
    items = next((body[key] for key in ("messages", "calls", "recordings") if key in body), [body])
    for item in items:
        for key in ("date_created", "date_updated", "date_sent", "start_time", "end_time"):
            value = item.get(key)
            assert value is None or RFC2822.match(value), f"{name}: {key} {value!r} is not RFC 2822"
    checked.append(f"{name} {status}")
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
print(json.dumps({"checked": checked}))
