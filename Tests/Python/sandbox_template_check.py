"""Creates a message from a content template with the official twilio package (9.13.0),
unchanged but for its base URL, and prints what the sandbox made of it, so that a test can hold
the component's rendering of the same template to it.

Usage: python sandbox_template_check.py BASE_URL ACCOUNT_SID AUTH_TOKEN FROM TO CONTENT_SID CONTENT_VARIABLES_JSON"""
import json
import sys

import twilio
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

base, account, token, from_, to, content_sid, variables = sys.argv[1:8]
assert twilio.__version__ == "9.13.0", twilio.__version__
client = Client(account, token)
client.api.base_url = base

message = client.messages.create(from_=from_, to=to, content_sid=content_sid, content_variables=variables)
report = {"sid": message.sid, "body": message.body, "numSegments": message.num_segments, "status": message.status}

# The package sends ContentVariables as given; the sandbox refuses them without a ContentSid.
try:
    client.messages.create(from_=from_, to=to, body="x", content_variables=variables)
    raise AssertionError("ContentVariables without ContentSid accepted")
except TwilioRestException as error:
    report["variablesWithoutSid"] = error.code
print(json.dumps(report))
