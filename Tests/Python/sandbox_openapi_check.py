"""Drives the sandbox through each of the five Messages operations with plain HTTP and validates
every response body against Twilio's OpenAPI schema (a Messages-only slice of it), made strict:
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


def check(name, response, path, method, status):
    assert response.status_code == status, f"{name}: status {response.status_code}, body {response.text}"
    body = response.json()
    errors = sorted(OAS30Validator(schema(path, method, status)).iter_errors(body), key=str)
    assert not errors, f"{name}: {len(errors)} schema errors, first: {errors[0].message} at {list(errors[0].absolute_path)}"
    messages = body["messages"] if "messages" in body else [body]
    for message in messages:
        for key in ("date_created", "date_updated", "date_sent"):
            value = message[key]
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
print(json.dumps({"checked": checked}))
