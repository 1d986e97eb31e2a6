"""Checks `twilio-component manifest` with jsonschema, a validator no one here wrote.

Reads the exported manifest on stdin. Every schema (each input's, each element's and each
connection's object schema) must be a valid JSON Schema 2020-12; the example inputs in
examples/*.json must validate against their action's schema (every action having one), a set of
wrong inputs must not, and their valid neighbours must; each action's `reconcile` rule must name
inputs the schemas have. Prints a JSON report; exits 1 on the first disagreement.
"""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parents[2]
manifest = json.load(sys.stdin)
Validator = jsonschema.Draft202012Validator
format_checker = Validator.FORMAT_CHECKER

checked = 0
for section in ("connections", "triggers", "actions", "dataSources"):
    for element in manifest[section]:
        Validator.check_schema(element["schema"])
        checked += 1
        for field in element["inputs"]:
            Validator.check_schema(field["schema"])
            checked += 1

actions = {action["key"]: action for action in manifest["actions"]}
connections = {connection["key"]: connection for connection in manifest["connections"]}


def errors(schema, instance):
    return [error.message for error in Validator(schema, format_checker=format_checker).iter_errors(instance)]


# An example is named after its action (sendSMS-dry-run.json is sendSMS's), except these.
EXAMPLE_ACTIONS = {"sendWhatsApp": "sendSMS"}
accepted = []
for path in sorted((root / "examples").glob("*.json")):
    key = EXAMPLE_ACTIONS.get(path.stem, path.stem.split("-")[0])
    problems = errors(actions[key]["schema"], json.loads(path.read_text()))
    if problems:
        print(f"{path.name} does not validate against {key}'s schema: {problems}", file=sys.stderr)
        sys.exit(1)
    accepted.append(path.name)

# README promises an input file for each action.
covered = {EXAMPLE_ACTIONS.get(name[: -len(".json")], name[: -len(".json")].split("-")[0]) for name in accepted}
missing = sorted(set(actions) - covered)
if missing:
    print(f"examples/ has no input file for {missing}", file=sys.stderr)
    sys.exit(1)

# Inputs the runtime refuses must be refused by the schema too.
sid = "SM" + "0" * 32
wrong = [
    ("sendSMS", {"from": "+15005550006", "body": "no recipient"}),
    ("sendSMS", {"from": "+15005550006", "to": "+14155550100", "body": "x", "unknownInput": 1}),
    ("sendSMS", {"from": "+15005550006", "to": "+14155550100", "body": "x", "validityPeriod": "soon"}),
    ("getSMS", {"messageSid": "XX" + "0" * 32}),
    ("getSMS", {}),
    ("listMessages", {"pageSize": 0}),
    ("rawRequest", {"url": "/x", "method": "BREW"}),
    ("sendSMS", {"from": "+15005550006", "to": "+14155550100", "contentSid": "HX123"}),
    ("sendSMS", {"from": "+15005550006", "to": "+14155550100", "body": "x", "riskCheck": "off"}),
    ("sendSMS", {"from": "+15005550006", "to": "+14155550100", "body": "x", "maxPrice": -1}),
    ("makeCall", {"from": "+15005550006", "message": "no one to call"}),
    ("makeCall", {"to": "+14155550100", "message": "no caller"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "sendDigits": "12a4"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "sendDigits": "1" * 33}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "timeout": 4}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "timeout": 601}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "timeLimit": 0}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "applicationSid": "AP123"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "applicationSid": "XX" + "a" * 32}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "url": "https://x.test/v", "method": "PUT"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "machineDetection": "Detect"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "message": "x", "recordingChannels": "stereo"}),
    ("getCall", {"callSid": "SM" + "a" * 32}),
    ("getCall", {"callSid": "CA" + "a" * 31}),
    ("getCall", {}),
    ("getRecording", {"recordingSid": "RE" + "a" * 32, "format": "ogg"}),
    ("getRecording", {"recordingSid": "CA" + "a" * 32}),
    ("getRecording", {"recordingSid": "RE" + "a" * 32, "maxBytes": 0}),
    ("getRecording", {"recordingSid": "RE" + "a" * 32, "maxBytes": 104857601}),
    ("listCalls", {"status": "done"}),
    ("listCalls", {"parentCallSid": "RE" + "a" * 32}),
    ("listCalls", {"pageSize": 1001}),
    ("listCalls", {"limit": -1}),
    ("updateCall", {"callSid": "CA" + "a" * 32, "status": "in-progress"}),
    ("updateCall", {"status": "completed"}),
    ("updateCall", {"callSid": "CA" + "a" * 32, "url": "https://x.test/v", "method": "DELETE"}),
    ("listRecordings", {"callSid": "XX" + "a" * 32}),
    ("listRecordings", {"pageSize": 0}),
    ("deleteRecording", {"recordingSid": "RE" + "g" * 32}),
    ("deleteRecording", {}),
]
refused = []
for key, instance in wrong:
    if not errors(actions[key]["schema"], instance):
        print(f"{key}'s schema accepts {instance}, which the component refuses", file=sys.stderr)
        sys.exit(1)
    refused.append(key)
# ...while the valid neighbours of those inputs pass.
right = [
    ("getSMS", {"messageSid": sid}),
    ("getCall", {"callSid": "CA" + "0123456789abcdefABCDEF0123456789"}),
    ("makeCall", {"from": "+15005550006", "to": "+14155550100", "applicationSid": "AP" + "a" * 32, "sendDigits": "ww1234#*", "timeout": 5}),
    ("makeCall", {"from": "client:alice", "to": "sip:bob@example.com", "url": "https://x.test/v", "method": "GET", "timeout": 600}),
    ("getRecording", {"recordingSid": "RE" + "a" * 32, "format": "none", "maxBytes": 104857600}),
    ("listCalls", {"status": "no-answer", "pageSize": 1000, "limit": 0}),
    ("updateCall", {"callSid": "CA" + "a" * 32, "status": "canceled"}),
]
for key, instance in right:
    problems = errors(actions[key]["schema"], instance)
    if problems:
        print(f"{key}'s schema refuses {instance}, which the component takes: {problems}", file=sys.stderr)
        sys.exit(1)

auth = connections["authToken"]
token_schema = auth["schema"]["properties"]["authToken"]
if token_schema.get("writeOnly") is not True:
    print("the Auth Token field is not writeOnly", file=sys.stderr)
    sys.exit(1)
good_connection = {"accountSid": "AC" + "a" * 32, "authToken": "b" * 32}
if errors(auth["schema"], good_connection) or not errors(auth["schema"], {"accountSid": "AC1"}):
    print("the authToken connection's schema does not match the connection rules", file=sys.stderr)
    sys.exit(1)

# A reconcile rule (protocol 1.2) names inputs the schemas have: the lister's for its inputs and
# paging, the reconciled action's for what it matches, its boolean preview and its callback URL.
RULE_KEYS = {"action", "inputs", "items", "match", "createdAt", "id", "page", "preview", "callback"}
rules = 0
for action in manifest["actions"]:
    rule = action["reconcile"]
    if rule is None:
        continue
    rules += 1
    own = action["schema"]["properties"]
    lister = actions[rule["action"]]["schema"]["properties"]
    problems = []
    if set(rule) != RULE_KEYS:
        problems.append(f"keys {sorted(rule)}")
    problems += [f"lister input {key}" for key in rule["inputs"] if key not in lister]
    problems += [f"input {source}" for source in list(rule["inputs"].values()) + list(rule["match"].values()) if source not in own]
    page = rule["page"]
    if page is not None:
        if set(page) != {"size", "limit", "cursor", "next", "more"}:
            problems.append(f"page keys {sorted(page)}")
        problems += [f"page input {page[key]}" for key in ("size", "limit", "cursor") if page[key] is not None and page[key] not in lister]
    if rule["preview"] is not None and own.get(rule["preview"], {}).get("type") != "boolean":
        problems.append(f"preview {rule['preview']} is not a boolean input")
    callback = rule["callback"]
    if callback is not None and (set(callback) != {"input", "field"} or callback["input"] not in own):
        problems.append(f"callback {callback}")
    if problems:
        print(f"{action['key']}'s reconcile rule does not fit the schemas: {problems}", file=sys.stderr)
        sys.exit(1)

print(json.dumps({"schemas": checked, "examplesAccepted": accepted, "wrongRefused": len(refused), "reconcileRules": rules}))
