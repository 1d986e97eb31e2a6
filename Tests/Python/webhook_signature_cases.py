#!/usr/bin/env python3
"""Generates signed and tampered Twilio webhook requests, in the engine's payload shape, for the
webhook trigger's signature tests.

Every request is signed by the official twilio package's RequestValidator, and every label (valid
or not) is confirmed by RequestValidator.validate on the request as delivered, so the trigger is
held to the official validator, not to this script's idea of it.

Usage: webhook_signature_cases.py COUNT SEED  (prints a JSON list of cases on standard output)
Each case: {"name", "payload", "inputs", "connection", "valid"}.
"""
import hashlib
import json
import random
import sys
from urllib.parse import parse_qsl, quote, unquote, urlencode

from twilio.request_validator import HMAC_SHA1, HMAC_SHA256, RequestValidator

HOSTS = ["hooks.example.com", "example.ngrok.app", "api.internal.example.org", "127.0.0.1", "localhost"]
WORDS = ["status", "sms", "incoming", "café", "naïve", "日本", "emoji😀", "a b", "x&y", "p=q", "100%", "plus+sign", "", "~tilde", "slash/ed"]
NAMES = ["Body", "From", "To", "MessageSid", "AccountSid", "SmsStatus", "MessageStatus", "NumMedia", "MediaUrl0",
         "MediaContentType0", "ErrorCode", "Foo", "foo", "Zeta", "ünï", "名前", "a", "A", "_x", "Empty"]


class MultiDict(dict):
    """Form parameters with repeated names, read the way RequestValidator reads Flask's MultiDict."""

    def getall(self, name):
        return self[name]


def grouped(pairs):
    result = MultiDict()
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result


def word(rng):
    return rng.choice(WORDS) + (str(rng.randint(0, 99)) if rng.random() < 0.3 else "")


def form_pairs(rng):
    pairs = []
    for _ in range(rng.randint(0, 9)):
        name = rng.choice(NAMES)
        value = "" if rng.random() < 0.15 else word(rng) + " " + word(rng) if rng.random() < 0.4 else word(rng)
        pairs.append((name, value))
        if rng.random() < 0.15:  # a repeated name, sometimes with the same value twice
            pairs.append((name, value if rng.random() < 0.3 else word(rng)))
    return pairs


def query_pairs(rng):
    if rng.random() < 0.45:
        return []
    pairs = []
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(["flow", "k", "tag", "ü", "x"])
        pairs.append((name, "" if rng.random() < 0.15 else word(rng)))
        if rng.random() < 0.1:
            pairs.append((name, word(rng)))
    return pairs


def encode_query(pairs):
    return "&".join(quote(n, safe="") + "=" + quote(v, safe="") for n, v in pairs)


def authority(rng, scheme):
    host = rng.choice(HOSTS)
    choice = rng.random()
    if choice < 0.45:
        return host, None
    if choice < 0.75:
        return host, 443 if scheme == "https" else 80
    return host, rng.choice([8080, 8443, 3000])


def build_url(scheme, host, port, path, query):
    url = f"{scheme}://{host}" + (f":{port}" if port else "") + path
    return url + ("?" + query if query else "")


def toggle_default_port(url, scheme, host, port):
    """The same URL with the default port added or removed (both validate)."""
    default = 443 if scheme == "https" else 80
    if port is None:
        return url.replace(f"://{host}", f"://{host}:{default}", 1)
    if port == default:
        return url.replace(f"://{host}:{port}", f"://{host}", 1)
    return url


def make_case(rng, index):
    token = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    scheme = rng.choice(["https", "https", "http"])
    host, port = authority(rng, scheme)
    path = "/" + "/".join(quote(word(rng) or "x", safe="") if rng.random() < 0.8 else (word(rng) or "y") for _ in range(rng.randint(1, 3)))
    query = query_pairs(rng)
    is_json = rng.random() < 0.25
    algorithm = HMAC_SHA256 if rng.random() < 0.15 else HMAC_SHA1

    pairs = [] if is_json else form_pairs(rng)
    if is_json:
        body = json.dumps({"MessageSid": "SM" + "a" * 32, "status": word(rng), "n": rng.randint(0, 9), "list": [word(rng)]}, ensure_ascii=rng.random() < 0.5)
        query = query + [("bodySHA256", hashlib.sha256(body.encode()).hexdigest())]
        content_type = "application/json"
    else:
        body = urlencode(pairs) if rng.random() < 0.5 else "&".join(quote(n, safe="") + "=" + quote(v, safe="") for n, v in pairs)
        content_type = "application/x-www-form-urlencoded"

    url = build_url(scheme, host, port, path, encode_query(query))
    signed_url = toggle_default_port(url, scheme, host, port) if rng.random() < 0.3 else url
    validator = RequestValidator(token)
    signature = validator.compute_signature(signed_url, {} if is_json else grouped(pairs), algorithm)

    # What Twilio delivers, possibly tampered with on the way.
    delivered_url, delivered_body, delivered_signature, delivered_algorithm = url, body, signature, algorithm
    headers_extra = {}
    tamper = None
    if rng.random() < 0.5:
        tamper = rng.choice(["value", "add", "remove", "path", "query", "host", "scheme", "port", "signature", "token",
                             "json", "json-rehash", "algorithm"])
        if tamper == "value" and pairs:
            i = rng.randrange(len(pairs))
            changed = list(pairs)
            changed[i] = (pairs[i][0], pairs[i][1] + "!")
            delivered_body = urlencode(changed)
        elif tamper == "add" and not is_json:
            delivered_body = body + ("&" if body else "") + "Injected=1"
        elif tamper == "remove" and pairs:
            changed = list(pairs)
            del changed[rng.randrange(len(changed))]
            delivered_body = urlencode(changed)
        elif tamper == "path":
            delivered_url = url.replace(path, path + "x", 1)
        elif tamper == "query":
            delivered_url = url + ("&" if "?" in url else "?") + "extra=1"
        elif tamper == "host":
            delivered_url = url.replace(f"://{host}", "://evil.example.net", 1)
        elif tamper == "scheme":
            delivered_url = url.replace(scheme + "://", ("http" if scheme == "https" else "https") + "://", 1)
        elif tamper == "port":
            delivered_url = url.replace(f"://{host}" + (f":{port}" if port else ""), f"://{host}:9999", 1)
        elif tamper == "signature":
            position = rng.randrange(len(signature) - 1)
            replacement = "A" if signature[position] != "A" else "B"
            delivered_signature = signature[:position] + replacement + signature[position + 1:]
        elif tamper == "token":
            delivered_signature = RequestValidator(token[::-1]).compute_signature(signed_url, {} if is_json else grouped(pairs), algorithm)
        elif tamper == "json" and is_json:
            delivered_body = body.replace('"n": ', '"n": 1')
        elif tamper == "json-rehash" and is_json:
            # The body changed and its hash updated to match: the signed URL no longer matches.
            delivered_body = body.replace('"n": ', '"n": 2')
            delivered_url = url.replace(dict(query)["bodySHA256"], hashlib.sha256(delivered_body.encode()).hexdigest())
        elif tamper == "algorithm":
            delivered_algorithm = HMAC_SHA1 if algorithm == HMAC_SHA256 else HMAC_SHA256
        else:
            tamper = None

    if delivered_algorithm == HMAC_SHA256:
        headers_extra["X-Twilio-Webhooks-Signature-Settings"] = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"

    # The label, from the official validator on the request as delivered.
    if is_json:
        oracle_params = delivered_body
    else:
        oracle_params = grouped(parse_qsl(delivered_body, keep_blank_values=True))
    valid = validator.validate(delivered_url, oracle_params, delivered_signature, delivered_algorithm)
    if tamper is None and not valid:
        raise SystemExit(f"case {index}: the official validator rejects an untouched request; fix the generator")
    if tamper is not None and valid:
        tamper += " (no effect)"  # e.g. one of two identical repeated values removed: still the same set

    headers = {"Host": host, "Content-Type": content_type, "User-Agent": "TwilioProxy/1.1", "X-Twilio-Signature": delivered_signature}
    headers.update(headers_extra)
    payload = {"headers": headers, "pathFragment": "", "invokeUrl": "", "executionId": "", "startedAt": "", "globalDebug": False}
    body_bytes = list(delivered_body.encode())
    if rng.random() < 0.5:
        payload["rawBody"] = {"data": {"type": "Buffer", "data": body_bytes}}
        payload["body"] = {"data": delivered_body, "contentType": content_type}
    else:
        payload["body"] = {"data": delivered_body, "contentType": content_type}

    # Where the trigger learns the URL: the Public URL input, or the engine's flow URL and parsed query.
    inputs = {}
    delivered_base, _, delivered_query = delivered_url.partition("?")
    # An engine hands over the query parsed; it can be put back only when no name repeats.
    query_names = [n for n, _ in query]
    reconstructable = len(set(query_names)) == len(query_names)
    if rng.random() < 0.5 or not reconstructable or tamper == "query":
        inputs["publicUrl"] = delivered_url
        payload["webhookUrls"] = {"Flow 1": "https://engine.example.com/trigger/ignored"}
        payload["queryParameters"] = None
    else:
        payload["webhookUrls"] = {"Flow 1": delivered_base}
        parsed = {}
        for part in delivered_query.split("&"):
            if part:
                name, _, value = part.partition("=")
                parsed[unquote(name)] = unquote(value)
        payload["queryParameters"] = parsed or None

    if rng.random() < 0.5:
        connection = {"key": "authToken", "fields": {"accountSid": "AC" + "a" * 32, "authToken": token}}
    else:
        connection = {"key": "apiKey", "fields": {"accountSid": "AC" + "a" * 32, "apiKey": "SK" + "b" * 32, "apiSecret": "secret"}}
        inputs["authToken"] = token
    return {"name": f"case {index}: {'json' if is_json else 'form'}, {tamper or 'untouched'}, {delivered_url}",
            "payload": payload, "inputs": inputs, "connection": connection, "valid": valid}


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    cases = [make_case(rng, index) for index in range(count)]
    json.dump(cases, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
