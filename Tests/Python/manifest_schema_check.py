"""Checks `twilio-component manifest` with jsonschema, a validator no one here wrote.

Reads the exported manifest on stdin. Every schema (each input's, each element's and each
connection's object schema) must be a valid JSON Schema 2020-12; the example inputs in
examples/*.json must validate against their action's schema, and a set of wrong inputs must not;
each action's `reconcile` rule must name inputs the schemas have. Prints a JSON report; exits 1
on the first disagreement.
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
]
refused = []
for key, instance in wrong:
    if not errors(actions[key]["schema"], instance):
        print(f"{key}'s schema accepts {instance}, which the component refuses", file=sys.stderr)
        sys.exit(1)
    refused.append(key)
if errors(actions["getSMS"]["schema"], {"messageSid": sid}):
    print("getSMS's schema refuses a valid SID", file=sys.stderr)
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
