#!/usr/bin/env python3
"""Writes the Messages-only slice of Twilio's OpenAPI description that the sandbox tests validate
against: the five Messages operations (their responses) and the schemas they reference.

Usage: scripts/slice-openapi.py <twilio_api_v2010.json> <output.json>
The slice keeps Twilio's MIT licence notice beside it (LICENSE-twilio-oai)."""
import json
import sys

source, output = sys.argv[1], sys.argv[2]
spec = json.load(open(source))
paths = {
    "/2010-04-01/Accounts/{AccountSid}/Messages.json": ["post", "get"],
    "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json": ["get", "post", "delete"],
}
sliced = {"openapi": spec["openapi"], "info": spec["info"], "paths": {}, "components": {"schemas": {}}}
needed = set()


def collect(node):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            name = ref.split("/")[-1]
            if name not in needed:
                needed.add(name)
                collect(spec["components"]["schemas"][name])
        for value in node.values():
            collect(value)
    elif isinstance(node, list):
        for value in node:
            collect(value)


for path, methods in paths.items():
    sliced["paths"][path] = {}
    for method in methods:
        operation = spec["paths"][path][method]
        kept = {"operationId": operation["operationId"], "responses": operation["responses"]}
        sliced["paths"][path][method] = kept
        collect(kept)
for name in sorted(needed):
    sliced["components"]["schemas"][name] = spec["components"]["schemas"][name]
json.dump(sliced, open(output, "w"), indent=1, sort_keys=True)
print(f"wrote {output}: {len(needed)} schemas")
