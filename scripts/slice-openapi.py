#!/usr/bin/env python3
"""Writes the slices of Twilio's OpenAPI descriptions that the sandbox tests validate against:
for each product, the operations the sandbox serves (their responses) and the schemas they
reference.

Usage: scripts/slice-openapi.py <twilio-openapi directory> <fixtures directory>
The slices keep Twilio's MIT licence notice beside them (LICENSE-twilio-oai)."""
import json
import os
import sys

ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
SLICES = {
    "twilio_api_v2010.json": ("twilio_api_v2010_messages.json", {
        f"{ACCOUNT}/Messages.json": ["post", "get"],
        f"{ACCOUNT}/Messages/{{Sid}}.json": ["get", "post", "delete"],
        f"{ACCOUNT}/Messages/{{MessageSid}}/Media.json": ["get"],
        f"{ACCOUNT}/Messages/{{MessageSid}}/Media/{{Sid}}.json": ["get", "delete"],
        f"{ACCOUNT}/Calls.json": ["post", "get"],
        f"{ACCOUNT}/Calls/{{Sid}}.json": ["get", "post", "delete"],
        f"{ACCOUNT}/Calls/{{CallSid}}/Recordings.json": ["post", "get"],
        f"{ACCOUNT}/Recordings.json": ["get"],
        f"{ACCOUNT}/Recordings/{{Sid}}.json": ["get", "delete"],
        f"{ACCOUNT}/IncomingPhoneNumbers.json": ["get"],
        f"{ACCOUNT}/IncomingPhoneNumbers/{{Sid}}.json": ["get", "post"],
    }),
    "twilio_verify_v2.json": ("twilio_verify_v2_slice.json", {
        "/v2/Services": ["post", "get"],
        "/v2/Services/{Sid}": ["get", "post", "delete"],
        "/v2/Services/{ServiceSid}/Verifications": ["post"],
        "/v2/Services/{ServiceSid}/Verifications/{Sid}": ["get", "post"],
        "/v2/Services/{ServiceSid}/VerificationCheck": ["post"],
    }),
    "twilio_lookups_v2.json": ("twilio_lookups_v2_slice.json", {
        "/v2/PhoneNumbers/{PhoneNumber}": ["get"],
    }),
}


def slice_of(spec: dict, paths: dict) -> tuple[dict, int]:
    sliced = {"openapi": spec["openapi"], "info": spec["info"], "paths": {}, "components": {"schemas": {}}}
    needed: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.startswith("#/components/schemas/"):
                schema = ref.split("/")[-1]
                if schema not in needed:
                    needed.add(schema)
                    collect(spec["components"]["schemas"][schema])
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
    for schema in sorted(needed):
        sliced["components"]["schemas"][schema] = spec["components"]["schemas"][schema]
    return sliced, len(needed)


if __name__ == "__main__":
    source, output = sys.argv[1], sys.argv[2]
    for name, (target, paths) in SLICES.items():
        sliced, count = slice_of(json.load(open(os.path.join(source, name))), paths)
        json.dump(sliced, open(os.path.join(output, target), "w"), indent=1, sort_keys=True)
        print(f"wrote {target}: {count} schemas")
