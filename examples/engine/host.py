#!/usr/bin/env python3
"""A small workflow host that loads the Twilio component the way an engine does.

Standard library only. It

1. reads the component's manifest (`twilio-component manifest`) and checks the flow's steps
   against it: every step names an action or trigger the component has, and gives every
   required input;
2. keeps one warm worker (`twilio-component serve`) and sends it JSON-lines requests, each with
   an id, from several threads at once;
3. runs a two-step flow: a webhook trigger (someone texts the sandbox's number; the sandbox
   delivers Twilio's signed webhook to this host's HTTP endpoint, which hands it to the `webhook`
   trigger and answers the sandbox with the trigger's response), then `sendSMS` replying to the
   sender;
4. polls for new messages with `pollMessages`, keeping the trigger's state in a file between
   polls as an engine keeps it between scheduled runs.

By default it starts a sandbox (`twilio-sandbox`) on a free port; no Twilio account is needed.
Exits 0 when the flow succeeded, and prints a one-line JSON summary last.

usage: host.py [--component PATH] [--sandbox PATH] [--state-dir DIR]
"""
import argparse
import concurrent.futures
import http.server
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]


def log(message):
    print(f"host: {message}", file=sys.stderr, flush=True)


class Worker:
    """One `twilio-component serve` process: requests go in as lines, answers come back by id."""

    def __init__(self, command, environment):
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, text=True, bufsize=1)
        self.pending = {}
        self.lock = threading.Lock()
        self.next_id = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            answer = json.loads(line)
            with self.lock:
                future = self.pending.pop(answer.get("id"), None)
            if future is None:
                log(f"an answer nobody waits for: {line.strip()}")
            else:
                future.set_result(answer)

    def call(self, request, timeout=30):
        """Sends one request and waits for its answer (the envelope, with the id)."""
        future = concurrent.futures.Future()
        with self.lock:
            self.next_id += 1
            request_id = f"req-{self.next_id}"
            self.pending[request_id] = future
            self.process.stdin.write(json.dumps({"id": request_id, **request}) + "\n")
            self.process.stdin.flush()
        return future.result(timeout=timeout)

    def close(self):
        """End of input: the worker finishes what it has and exits 0."""
        self.process.stdin.close()
        return self.process.wait(timeout=30)


class Manifest:
    """What the engine knows of the component: its elements and their inputs."""

    def __init__(self, data):
        self.data = data
        self.elements = {}
        for section in ("actions", "triggers", "dataSources"):
            for element in data[section]:
                self.elements[element["key"]] = element

    def check_step(self, key, inputs):
        """The inputs a step gives must satisfy the element's schema's required list."""
        element = self.elements.get(key)
        if element is None:
            raise SystemExit(f"host: the flow uses '{key}', which the component does not have")
        missing = [name for name in element["schema"].get("required", []) if name not in inputs]
        if missing:
            raise SystemExit(f"host: step '{key}' is missing the required inputs {missing}")
        unknown = [name for name in inputs if name not in element["schema"]["properties"]]
        if unknown:
            raise SystemExit(f"host: step '{key}' gives unknown inputs {unknown}")


def start_sandbox(executable, state_dir):
    """Starts twilio-sandbox on a free port; returns the process, its base URL and credentials."""
    process = subprocess.Popen(
        [executable, "--port", "0", "--step-ms", "100", "--state", str(state_dir / "sandbox.json"), "--reset-state"],
        stdout=subprocess.PIPE, text=True)
    settings = {}
    for line in process.stdout:
        line = line.strip()
        if "=" in line and line.startswith("TWILIO_"):
            name, value = line.split("=", 1)
            settings[name] = value
        if "TWILIO_API_SECRET" in settings:
            break
    return process, settings


class WebhookEndpoint(http.server.ThreadingHTTPServer):
    """The engine's public webhook URL: each POST becomes a run of the flow."""

    def __init__(self, on_webhook):
        super().__init__(("127.0.0.1", 0), WebhookHandler)
        self.on_webhook = on_webhook

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/flows/reply-to-texts"


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, content_type, text = self.server.on_webhook(self.path, dict(self.headers.items()), body)
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--component", default=str(ROOT / ".build/debug/twilio-component"))
    parser.add_argument("--sandbox", default=str(ROOT / ".build/debug/twilio-sandbox"))
    parser.add_argument("--state-dir", default=None, help="where the sandbox and the polling state are kept")
    args = parser.parse_args()
    state_dir = pathlib.Path(args.state_dir or tempfile.mkdtemp(prefix="engine-host-"))
    state_dir.mkdir(parents=True, exist_ok=True)

    # 1. The manifest: what the component offers.
    manifest = Manifest(json.loads(subprocess.run(
        [args.component, "manifest", "--compact"], check=True, capture_output=True, text=True).stdout))
    log(f"loaded '{manifest.data['component']['key']}' (protocol {manifest.data['protocolVersion']}): "
        f"actions {[a['key'] for a in manifest.data['actions']]}, triggers {[t['key'] for t in manifest.data['triggers']]}")

    sandbox, settings = start_sandbox(args.sandbox, state_dir)
    log(f"sandbox at {settings['TWILIO_API_BASE_URL']}")
    # The engine stores connections and passes one with each request; the worker itself has none.
    connection = {"key": "authToken", "fields": {
        "accountSid": settings["TWILIO_ACCOUNT_SID"], "authToken": settings["TWILIO_AUTH_TOKEN"]}}
    environment = {name: value for name, value in os.environ.items() if not name.startswith("TWILIO_")}
    environment["TWILIO_API_BASE_URL"] = settings["TWILIO_API_BASE_URL"]
    worker = Worker([args.component, "serve", "--concurrency", "8"], environment)

    summary = {"flow": "failed"}
    runs = []
    runs_done = threading.Event()

    # 2. The flow: webhook trigger, then sendSMS back to whoever texted.
    reply_inputs = {"to": "", "from": "", "body": ""}
    manifest.check_step("webhook", {})
    manifest.check_step("sendSMS", reply_inputs)

    def on_webhook(path, headers, body):
        payload = {
            "headers": headers,
            "body": {"data": body.decode("utf-8"), "contentType": headers.get("Content-Type")},
            "rawBody": {"data": {"type": "Buffer", "data": list(body)}},
            "queryParameters": None,
            "webhookUrls": {"Reply to texts": endpoint.url},
            "pathFragment": "",
        }
        trigger = worker.call({"trigger": "webhook", "connection": connection, "payload": payload,
                               "context": {"invocationId": f"flow-{len(runs) + 1}-trigger"}})
        response = trigger.get("response") or {}
        if "error" in trigger:
            log(f"webhook refused: {trigger['error']['message']}")
            return response.get("statusCode", 500), response.get("contentType", "text/plain"), response.get("body", "")
        received = trigger["payload"]["body"]["data"]
        log(f"run {len(runs) + 1}: {received['From']} texted {received['To']}: {received['Body']!r} "
            f"(idempotency key {trigger['payload']['idempotencyKey']})")
        # The engine answers Twilio first; the next step runs after.
        threading.Thread(target=reply, args=(received,), daemon=True).start()
        return response["statusCode"], response["contentType"], response["body"]

    def reply(received):
        inputs = {"from": received["To"], "to": received["From"], "body": f"Thanks! We got: {received['Body']}"}
        sent = worker.call({"action": "sendSMS", "connection": connection, "inputs": inputs,
                            "context": {"invocationId": f"flow-{len(runs) + 1}-reply"}})
        runs.append(sent)
        if "error" in sent:
            log(f"reply failed ({sent['error']['kind']}): {sent['error']['message']}")
        else:
            log(f"replied with {sent['data']['sid']} ({sent['data']['status']})")
        if len(runs) == 2:
            runs_done.set()

    endpoint = WebhookEndpoint(on_webhook)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()

    # 3. Polling state: the first poll starts from now; the engine keeps the state between polls.
    state_file = state_dir / "pollMessages.state.json"

    def poll():
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        result = worker.call({"trigger": "pollMessages", "connection": connection, "state": state})
        if "error" in result:
            raise SystemExit(f"host: poll failed: {result['error']['message']}")
        state_file.write_text(json.dumps(result["state"]))
        return result["payload"]["body"]["data"]["messages"]

    try:
        poll()
        time.sleep(1.1)  # the polling cursor has a resolution of one second

        # Two people text the sandbox's number.
        for sender, text in (("+14155550101", "Is the shop open today?"), ("+14155550102", "Café at 5?")):
            request = urllib.request.Request(
                settings["TWILIO_API_BASE_URL"] + "/__sandbox/inbound", method="POST",
                headers={"Content-Type": "application/json"},
                data=json.dumps({"from": sender, "to": "+15005550006", "body": text, "url": endpoint.url}).encode())
            with urllib.request.urlopen(request) as response:
                json.load(response)
        if not runs_done.wait(timeout=30):
            raise SystemExit("host: the flow did not finish")
        replies = [run["data"] for run in runs if "data" in run]

        # Each reply can be read back.
        for message in replies:
            fetched = worker.call({"action": "getSMS", "connection": connection, "inputs": {"messageSid": message["sid"]}})
            assert fetched["data"]["body"] == message["body"], fetched

        time.sleep(1.5)  # let the replies be sent (the sandbox moves them along every 100 ms)
        polled = poll()
        polled_bodies = sorted(message["body"] for message in polled)
        again = poll()

        deliveries = json.load(urllib.request.urlopen(settings["TWILIO_API_BASE_URL"] + "/__sandbox/webhooks"))["deliveries"]
        answered = [d for d in deliveries if d.get("url") == endpoint.url]
        ok = (len(replies) == 2 and all(d.get("status") == 200 for d in answered) and len(answered) == 2
              and all(r["body"] in polled_bodies for r in replies) and again == [])
        summary = {
            "flow": "ok" if ok else "failed",
            "webhooks": len(answered),
            "replies": [r["sid"] for r in replies],
            "polled": len(polled),
            "polledAgain": len(again),
        }
    finally:
        exit_code = worker.close()
        endpoint.shutdown()
        sandbox.terminate()
        sandbox.wait(timeout=10)
        summary["workerExit"] = exit_code
    print(json.dumps(summary))
    return 0 if summary["flow"] == "ok" and exit_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
