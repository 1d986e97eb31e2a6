"""The release twilio-sandbox every benchmark runs against, and the environment both sides of a
comparison run in."""
import json
import os
import ssl
import subprocess

FROM, TO = "+15005550006", "+14155550100"


class Sandbox:
    """A release twilio-sandbox; with tls, HTTPS (HTTP/2 and HTTP/1.1 by ALPN) and the CA file
    it made, which every client here is told to trust."""

    def __init__(self, binary, tls=False, extra=()):
        command = [str(binary), "--port", "0", "--step-ms", "0"] + (["--tls"] if tls else []) + list(extra)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.settings = {}
        last = "SSL_CERT_FILE" if tls else "TWILIO_API_SECRET"
        for line in self.process.stdout:
            line = line.strip()
            if (line.startswith("TWILIO_") or line.startswith("SSL_CERT_FILE=")) and "=" in line:
                name, value = line.split("=", 1)
                self.settings[name] = value
            if last in self.settings:
                break
        self.base = self.settings["TWILIO_API_BASE_URL"]
        self.account = self.settings["TWILIO_ACCOUNT_SID"]
        self.token = self.settings["TWILIO_AUTH_TOKEN"]
        self.ca_file = self.settings.get("SSL_CERT_FILE")
        self.context = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None

    def reset(self):
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(self.base + "/__sandbox/reset", method="POST"), context=self.context).read()

    def count(self):
        import urllib.request
        return len(json.load(urllib.request.urlopen(self.base + "/__sandbox/messages", context=self.context))["messages"])

    def traffic_of_run(self):
        """The sandbox's traffic counts since the last reset, less this query's own connection
        and HTTP/1.1 request (urllib opens one connection per request); asked before count()."""
        import urllib.request
        traffic = json.load(urllib.request.urlopen(self.base + "/__sandbox/traffic", context=self.context))
        traffic["connections"] -= 1
        traffic["requests"]["HTTP/1.1"] -= 1
        traffic["requests"] = {version: n for version, n in traffic["requests"].items() if n}
        return traffic

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def component_environment(sandbox):
    """The environment both sides run in: the sandbox's credentials and, over TLS, its CA named
    the way each side reads it (SSL_CERT_FILE for the component, REQUESTS_CA_BUNDLE for the
    twilio package's requests)."""
    trust = ("TWILIO_", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(trust)}
    env.update({"TWILIO_API_BASE_URL": sandbox.base, "TWILIO_ACCOUNT_SID": sandbox.account, "TWILIO_AUTH_TOKEN": sandbox.token})
    if sandbox.ca_file:
        env.update({"SSL_CERT_FILE": sandbox.ca_file, "REQUESTS_CA_BUNDLE": sandbox.ca_file})
    return env
