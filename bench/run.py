#!/usr/bin/env python3
"""Benchmarks the component against its peers, side by side in one run, and writes
docs/benchmarks.md and docs/benchmarks.svg.

Each comparison runs both sides against the same local sandbox (a release `twilio-sandbox`),
alternating, several rounds, and reports medians and their ratio, so a noisy shared machine
moves both sides alike.

1. Cold send: one sendSMS as a fresh `twilio-component invoke` process vs a fresh python3
   process creating one message with the official `twilio` package. Wall time and peak RSS.
2. Warm throughput: 2,000 sendSMS through `twilio-component serve` at concurrency 8, vs one
   `twilio` Client shared by 8 threads, vs the same 2,000 form POSTs with the curl tool
   (`--parallel --parallel-max 8`), the raw ceiling.
   Both run twice: over plain HTTP/1.1 and over TLS (`twilio-sandbox --tls`, HTTP/2 by ALPN),
   every client verifying the sandbox's CA (the component through SSL_CERT_FILE, the twilio
   package through REQUESTS_CA_BUNDLE, curl through --cacert).
3. Latency-bound throughput (bench/latency_bound.py): 5,000 sendSMS at 50, 200 and 1,000 in
   flight against a sandbox answering after 200 ms, over TLS with HTTP/2 and with HTTP/1.1:
   serve vs the package's AsyncTwilioHttpClient and its threaded Client; rate as a fraction of
   concurrency / latency, peak RSS, CPU per 1,000 messages.
   The cluster (bench/cluster.py): 3,000 sendSMS through 3 Celery workers on Redis (batches of
   20 requests per task, each worker's serve taking 34 at once), the account limited to 100 in
   flight, beside one serve at 100 in flight, against the same 200 ms sandbox; rate as a fraction
   of 100 / latency (goal 0.8), CPU per 1,000 messages by process, Redis commands per send.
4. CPU per message in instructions (bench/instructions.py, valgrind's callgrind): serve vs the
   curl tool posting the same forms, plain and over TLS, with serve's stages.
5. Webhook validation: signatures checked per second by the component's validator
   (bench/webhook-bench) vs the package's RequestValidator, on the same 10,000 requests.
6. Manifest: load + validate component.yaml and generated manifests of 100, 1,000 and 10,000
   actions (bench/manifest-bench), beside libyaml's own parse of the same text.

usage: run.py --bin DIR --tools DIR --python PYTHON --engines-python PYTHON [--quick]

--bin is where the installed executables are (twilio-component, twilio-sandbox: make bench runs
make install into .build-static/installed first, so what it measures is what users install);
--tools where the release bench tools are (webhook-bench, manifest-bench); --python has the twilio
package (scripts/python-env.sh), --engines-python Celery and the adapters (scripts/engines-env.sh).
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from instructions import instructions_per_message  # noqa: E402
from cluster import cluster  # noqa: E402
from latency_bound import latency_bound  # noqa: E402
from sandbox_process import FROM, TO, Sandbox, component_environment  # noqa: E402

PYTHON_SEND = """
import sys
from twilio.rest import Client
account, token, base = sys.argv[1:4]
client = Client(account, token)
client.api.base_url = base
message = client.messages.create(from_="+15005550006", to="+14155550100", body="cold send")
print(message.sid)
"""

PYTHON_WARM = """
import concurrent.futures, json, sys, time
from twilio.rest import Client
account, token, base, count, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
client = Client(account, token)
client.api.base_url = base
client.messages.create(from_="+15005550006", to="+14155550100", body="warm-up")
def send(index):
    return client.messages.create(from_="+15005550006", to="+14155550100", body=f"warm {index}").sid
start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(workers) as pool:
    sids = list(pool.map(send, range(count)))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "unique": len(set(sids))}))
"""

PYTHON_VALIDATE = """
import json, sys, time
from twilio.request_validator import RequestValidator
cases = json.load(open(sys.argv[1]))
rounds = int(sys.argv[2])
prepared = [(RequestValidator(c["token"]), c["url"], dict(c["params"]), c["signature"]) for c in cases]
seconds = []
for _ in range(rounds):
    start = time.perf_counter()
    valid = sum(1 for validator, url, params, signature in prepared if validator.validate(url, params, signature))
    seconds.append(time.perf_counter() - start)
print(json.dumps({"count": len(cases), "valid": valid, "seconds": seconds}))
"""


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def timed_process(command, env=None, stdin=None):
    """Runs a fresh process; returns (wall seconds, peak RSS in KiB, stdout)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = process.communicate(stdin)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"bench: {command[0]} failed ({process.returncode}): {err.decode()[-2000:]}")
    return elapsed, out


def peak_rss(command, env=None, stdin=None):
    """Peak resident set of one run of `command`, in KiB (from wait4's rusage)."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if stdin:
        process.stdin.write(stdin)
        process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


def cold_send(args, sandbox, rounds):
    request = json.dumps({"action": "sendSMS", "inputs": {"from": FROM, "to": TO, "body": "cold send"}})
    request_file = pathlib.Path(tempfile.mkdtemp()) / "send.json"
    request_file.write_text(request)
    component = [str(args.bin / "twilio-component"), "invoke", "--request", str(request_file)]
    python = [args.python, "-c", PYTHON_SEND, sandbox.account, sandbox.token, sandbox.base]
    env = component_environment(sandbox)
    times = {"component": [], "python": []}
    rss = {"component": [], "python": []}
    timed_process(component, env)  # warm the page cache for both
    timed_process(python, env)
    for round_index in range(rounds):
        order = [("component", component), ("python", python)]
        if round_index % 2:
            order.reverse()
        for name, command in order:
            elapsed, out = timed_process(command, env)
            times[name].append(elapsed)
    for _ in range(3):
        rss["component"].append(peak_rss(component, env))
        rss["python"].append(peak_rss(python, env))
    result = {name: {"median_ms": statistics.median(values) * 1000, "rss_kib": statistics.median(rss[name])} for name, values in times.items()}
    result["ratio"] = result["python"]["median_ms"] / result["component"]["median_ms"]
    result["rounds"] = rounds
    return result


def serve_run(args, sandbox, count, concurrency):
    env = component_environment(sandbox)
    process = subprocess.Popen([str(args.bin / "twilio-component"), "serve", "--concurrency", str(concurrency)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def line(identifier, body):
        return (json.dumps({"id": identifier, "action": "sendSMS", "inputs": {"from": FROM, "to": TO, "body": body}}) + "\n").encode()

    process.stdin.write(line("warm-up", "warm-up"))
    process.stdin.flush()
    process.stdout.readline()
    sandbox.reset()
    payload = b"".join(line(index, f"serve {index}") for index in range(count))
    start = time.perf_counter()
    writer = threading.Thread(target=lambda: (process.stdin.write(payload), process.stdin.close()))
    writer.start()
    sids = set()
    failures = 0
    for _ in range(count):
        answer = json.loads(process.stdout.readline())
        if "data" in answer:
            sids.add(answer["data"]["sid"])
        else:
            failures += 1
    elapsed = time.perf_counter() - start
    writer.join()
    process.wait(timeout=30)
    if failures or len(sids) != count:
        raise SystemExit(f"bench: serve answered {failures} failures, {len(sids)} distinct SIDs of {count}")
    return elapsed


def python_warm(args, sandbox, count, workers):
    _, out = timed_process([args.python, "-c", PYTHON_WARM, sandbox.account, sandbox.token, sandbox.base, str(count), str(workers)],
                           component_environment(sandbox))
    result = json.loads(out)
    if result["unique"] != count:
        raise SystemExit("bench: the Python client did not create every message")
    return result["seconds"]


def curl_run(sandbox, count, parallel):
    url = f"{sandbox.base}/2010-04-01/Accounts/{sandbox.account}/Messages.json"
    lines = []
    for index in range(count):
        lines += [f'url = "{url}"', f'data = "From=%2B15005550006&To=%2B14155550100&Body=curl+{index}"',
                  f'user = "{sandbox.account}:{sandbox.token}"', 'output = "/dev/null"', "next"]
    config = pathlib.Path(tempfile.mkdtemp()) / "curl.cfg"
    config.write_text("\n".join(lines[:-1]) + "\n")
    trust = ["--cacert", sandbox.ca_file] if sandbox.ca_file else []
    start = time.perf_counter()
    subprocess.run(["curl", "--silent", "--no-progress-meter", "--fail", "--parallel", "--parallel-max", str(parallel)] + trust + ["-K", str(config)],
                   check=True, env=component_environment(sandbox))
    return time.perf_counter() - start


def warm_throughput(args, sandbox, rounds, count=2000, concurrency=8):
    rates = {"component": [], "python": [], "curl": []}
    runners = {
        "component": lambda: serve_run(args, sandbox, count, concurrency),
        "python": lambda: python_warm(args, sandbox, count, concurrency),
        "curl": lambda: curl_run(sandbox, count, concurrency),
    }
    traffic = {}
    for round_index in range(rounds):
        names = ["component", "python", "curl"]
        names = names[round_index % 3:] + names[:round_index % 3]
        for name in names:
            sandbox.reset()
            seconds = runners[name]()
            rates[name].append(count / seconds)
            traffic[name] = sandbox.traffic_of_run()
            expected = count + (1 if name == "python" else 0)  # the Python side's warm-up message stays
            if sandbox.count() != expected:
                raise SystemExit(f"bench: {name} left {sandbox.count()} messages for {expected} sends")
    result = {name: {"median_per_s": statistics.median(values), "traffic": traffic[name]} for name, values in rates.items()}
    result["ratio_python"] = result["component"]["median_per_s"] / result["python"]["median_per_s"]
    result["ratio_curl"] = result["component"]["median_per_s"] / result["curl"]["median_per_s"]
    result["rounds"] = rounds
    result["count"] = count
    result["concurrency"] = concurrency
    return result


def webhook_cases(args, count):
    """10,000 status callbacks signed by the official package; one in ten tampered."""
    script = """
import json, random, sys
from twilio.request_validator import RequestValidator
count = int(sys.argv[1])
rng = random.Random(20261129)
cases = []
for index in range(count):
    token = "%032x" % rng.getrandbits(128)
    url = f"https://hooks.example.com/twilio/status?flow={index % 7}&tag=caf%C3%A9"
    params = {"AccountSid": "AC" + "a" * 32, "ApiVersion": "2010-04-01", "From": "+15005550006", "To": "+1415555%04d" % (index % 10000),
              "MessageSid": "SM%032x" % rng.getrandbits(128), "MessageStatus": rng.choice(["queued", "sent", "delivered", "undelivered"]),
              "SmsSid": "SM%032x" % rng.getrandbits(128), "SmsStatus": "sent", "Body": "Message %d with some text" % index}
    signature = RequestValidator(token).compute_signature(url, params)
    if index % 10 == 9:
        params["Body"] += "!"
    cases.append({"url": url, "params": sorted(params.items()), "signature": signature, "token": token})
print(json.dumps(cases))
"""
    out = subprocess.run([args.python, "-c", script, str(count)], check=True, capture_output=True).stdout
    path = pathlib.Path(tempfile.mkdtemp()) / "webhooks.json"
    path.write_bytes(out)
    return path


def webhook_validation(args, rounds, count=10000):
    cases = webhook_cases(args, count)
    results = {"component": [], "python": []}
    valid = {}
    for round_index in range(rounds):
        order = ["component", "python"] if round_index % 2 == 0 else ["python", "component"]
        for name in order:
            if name == "component":
                out = subprocess.run([str((args.tools or args.bin) / "webhook-bench"), str(cases), "--rounds", "3"], check=True, capture_output=True).stdout
            else:
                out = subprocess.run([args.python, "-c", PYTHON_VALIDATE, str(cases), "3"], check=True, capture_output=True).stdout
            report = json.loads(out)
            results[name].append(report["count"] / min(report["seconds"]))
            valid[name] = report["valid"]
    if valid["component"] != valid["python"]:
        raise SystemExit(f"bench: the validators disagree: {valid}")
    result = {name: {"median_per_s": statistics.median(values)} for name, values in results.items()}
    result["ratio"] = result["component"]["median_per_s"] / result["python"]["median_per_s"]
    result["valid"] = valid["component"]
    result["count"] = count
    result["rounds"] = rounds
    return result


def manifest_bench(args):
    out = subprocess.run([str((args.tools or args.bin) / "manifest-bench"), "--runs", "9", "--budget-ms", "1000"], check=True, capture_output=True, text=True).stdout
    return out.strip()


def versions(args):
    def first_line(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "not found"
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    twilio = subprocess.run([args.python, "-c", "import twilio; print(twilio.__version__)"], capture_output=True, text=True).stdout.strip()
    return {
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, {cpu}",
        "swift": first_line(["swift", "--version"]),
        "python": first_line([args.python, "--version"]),
        "twilio": twilio,
        "curl": first_line(["curl", "--version"]),
    }


GOALS = [
    ("Latency-bound, 200 in flight: of concurrency / latency", "latency_200", 0.9),
    ("Latency-bound, 1,000 in flight", "latency_1000", 0.8),
    ("CPU per message: Python's best / serve's (worst case)", "latency_cpu", 5),
    ("Instructions per message: curl's / serve's", "instructions", 0.5),
    ("Cold send: Python time / component time", "cold", 10),
    ("Cold send over TLS", "cold_tls", 10),
    ("Warm: serve rate / Python rate", "warm_python", 3),
    ("Warm over TLS: serve / Python", "warm_tls_python", 3),
    ("Warm: serve rate / curl rate", "warm_curl", 0.8),
    ("Warm over TLS: serve / curl", "warm_tls_curl", 0.8),
    ("Webhook validation: component rate / Python rate", "webhook", 20),
]


def latency_summary(latency):
    """The goals' view of the latency-bound rows: serve's worst fraction of concurrency / latency
    at 200 and at 1,000 in flight (over either transport), and the smallest ratio of the twilio
    package's best CPU per 1,000 messages (its asyncio or its threaded client) to serve's."""
    rows = latency["rows"]

    def worst_fraction(concurrency):
        return min(row["serve"]["fraction"] for key, row in rows.items() if key.endswith(f"/{concurrency}"))

    cpu = min(min(row["python_async"]["cpu_per_1000"], row["python_threads"]["cpu_per_1000"]) / row["serve"]["cpu_per_1000"]
              for row in rows.values())
    peak = max(row["serve"]["rss_mib"] for key, row in rows.items() if key.endswith("/1000"))
    return {"latency_200": worst_fraction(200), "latency_1000": worst_fraction(1000), "latency_cpu": cpu, "rss_1000": peak}


def ratios(results):
    summary = latency_summary(results["latency"])
    return {
        "latency_200": summary["latency_200"],
        "latency_1000": summary["latency_1000"],
        "latency_cpu": summary["latency_cpu"],
        "instructions": results["instructions"]["plain"]["curl"] / results["instructions"]["plain"]["serve"],
        "cold": results["cold"]["ratio"],
        "cold_tls": results["cold_tls"]["ratio"],
        "warm_python": results["warm"]["ratio_python"],
        "warm_tls_python": results["warm_tls"]["ratio_python"],
        "warm_curl": results["warm"]["ratio_curl"],
        "warm_tls_curl": results["warm_tls"]["ratio_curl"],
        "webhook": results["webhook"]["ratio"],
    }


def transport(side):
    """How a side's last warm run reached the sandbox: requests by HTTP version, and the
    connections it opened (serve's were opened by its warm-up, before the count started)."""
    traffic = side["traffic"]
    versions = ", ".join(f"{version} {count:,}" for version, count in sorted(traffic["requests"].items()))
    return f"{versions}, {traffic['connections']} new connection{'s' if traffic['connections'] != 1 else ''}"


def chart(results):
    """A horizontal bar chart of each ratio against its goal, on a log scale."""
    import math
    values = ratios(results)
    width, left, right, bar, gap, top = 760, 330, 40, 26, 22, 50
    height = top + len(GOALS) * (bar + gap) + 40
    low, high = 0.5, max(100, max(values.values()) * 1.5)
    span = math.log10(high) - math.log10(low)

    def x(value):
        return left + (math.log10(max(value, low)) - math.log10(low)) / span * (width - left - right)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="13">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{left}" y="22" font-size="15" font-weight="bold">Ratios, higher is better (log scale); | marks the goal</text>']
    for tick in [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]:
        if tick <= high:
            parts.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{height - 30}" stroke="#ddd"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{height - 14}" text-anchor="middle" fill="#555">{tick:g}×</text>')
    for index, (label, key, goal) in enumerate(GOALS):
        y = top + index * (bar + gap)
        value = values[key]
        color = "#2e7d32" if value >= goal else "#c62828"
        parts.append(f'<text x="{left - 10}" y="{y + bar * 0.7:.1f}" text-anchor="end">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{x(value) - left:.1f}" height="{bar}" fill="{color}"/>')
        parts.append(f'<text x="{x(value) + 6:.1f}" y="{y + bar * 0.7:.1f}">{value:.2f}×</text>')
        parts.append(f'<line x1="{x(goal):.1f}" y1="{y - 4}" x2="{x(goal):.1f}" y2="{y + bar + 4}" stroke="black" stroke-width="3"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def cluster_markdown(result):
    serve, cluster = result["serve"], result["cluster"]
    serve_cpu, cpu = serve["cpu_per_1000"], cluster["cpu_per_1000"]

    def each(values):
        return ", ".join(f"{value:.2f}" for value in values)

    command_rows = "".join(f"| `{name}` | {stats['calls']:.2f} | {stats['usec']:.1f} |\n"
                           for name, stats in cluster["redis_per_send"].items() if stats["calls"] >= 0.1)
    return f"""## On a Celery cluster, at the same in-flight count

`bench/cluster.py`: {result['workers']} Celery workers of {result['threads']} task threads each
(`celery -A component_engines.celery worker --pool threads --concurrency {result['threads']}`), each with its warm
`serve` child taking {result['serve_concurrency']} requests at once (`COMPONENT_SERVE_CONCURRENCY`: together about the account's
limit), on one redis-server configured for production (AOF every second, no eviction), the account limited to
{result['limit']} requests in flight across the cluster (`COMPONENT_ACCOUNT_CONCURRENCY`); a client process submits
{result['count']:,} sendSMS, each to its own number under its own request id, with `run_all(..., batch={result['batch']})`:
{result['batch']} requests to a task, each still claimed, fenced and finished on its own in the ledger. Beside it, one
`serve --concurrency {result['limit']}` fed the same {result['count']:,} sends. Both against one sandbox answering after
{result['latency_ms']} ms over TLS + HTTP/2, so the bound is {result['limit']} / {result['latency_ms'] / 1000:g} s = {result['bound_per_s']:,.0f} messages/s. One run each;
CPU seconds are user + system from `/proc`, over the sends only.

| side | messages/s | of the bound | peak in flight | CPU per 1,000, all processes |
| --- | ---: | ---: | ---: | ---: |
| one serve, {result['limit']} in flight | {serve['per_s']:,.0f}/s | {serve['fraction']:.2f} | {serve['peak_in_flight']} | {serve['cpu_total_per_1000']:.2f} s |
| cluster, {result['workers']} workers, batches of {result['batch']}, limit {result['limit']} | {cluster['per_s']:,.0f}/s | {cluster['fraction']:.2f} | {cluster['peak_in_flight']} | {cluster['cpu_total_per_1000']:.2f} s |

- The cluster's share of the bound: {cluster['fraction']:.2f} (goal 0.8, {"met" if cluster['fraction'] >= 0.8 else "**not met**"}); {cluster['fraction'] / serve['fraction']:.2f} of one serve's rate at the same in flight.

CPU seconds per 1,000 messages, by process:

| process | cluster | one serve |
| --- | ---: | ---: |
| client (`run_all`: submit the batches, read the results with MGET) | {cpu['client']:.2f} | – |
| Celery workers' Python, all (each: {each(cluster['worker_cpu_per_1000'])}) | {cpu['workers']:.2f} | – |
| their serve children, all (each: {each(cluster['serve_cpu_per_1000'])}) | {cpu['serve']:.2f} | {serve_cpu['serve']:.2f} |
| redis-server | {cpu['redis']:.2f} | – |
| sandbox | {cpu['sandbox']:.2f} | {serve_cpu['sandbox']:.2f} |
| total | {cluster['cpu_total_per_1000']:.2f} | {serve['cpu_total_per_1000']:.2f} |

Requests per worker: {", ".join(f"{n:,}" for n in cluster['requests_per_worker'])}; workers' peak RSS {each(cluster['worker_rss_mib'])} MiB
(serve alone: {serve['rss_mib']:.1f} MiB).

Redis commands per send (`INFO commandstats`, every database; commands a Lua script runs count
under their own names as well as under `evalsha`), and Redis's time in them:

| command | calls per send | µs per send |
| --- | ---: | ---: |
{command_rows}"""


def markdown(results, info, command):
    webhook = results["webhook"]
    values = ratios(results)
    met = {key: values[key] >= goal for _, key, goal in GOALS}

    def verdict(key):
        return "met" if met[key] else "**not met**"

    def rows(suffix, label):
        cold, warm = results["cold" + suffix], results["warm" + suffix]
        key = suffix.lstrip("_")
        cold_key, python_key, curl_key = ("cold_" + key if key else "cold"), ("warm_" + key + "_python" if key else "warm_python"), ("warm_" + key + "_curl" if key else "warm_curl")
        return f"""| Cold send{label}, wall time (median of {cold['rounds']} each) | {cold['component']['median_ms']:.1f} ms | Python + twilio: {cold['python']['median_ms']:.1f} ms | {values[cold_key]:.1f}× faster | 10× | {verdict(cold_key)} |
| Cold send{label}, peak RSS | {cold['component']['rss_kib'] / 1024:.1f} MiB | {cold['python']['rss_kib'] / 1024:.1f} MiB | {cold['python']['rss_kib'] / cold['component']['rss_kib']:.1f}× less | – | |
| Warm{label}: {warm['count']:,} sendSMS at concurrency {warm['concurrency']} (median of {warm['rounds']}) | serve: {warm['component']['median_per_s']:,.0f}/s | one twilio Client, {warm['concurrency']} threads: {warm['python']['median_per_s']:,.0f}/s | {values[python_key]:.1f}× | 3× | {verdict(python_key)} |
| Warm{label}, against the raw ceiling | serve: {warm['component']['median_per_s']:,.0f}/s | curl --parallel-max {warm['concurrency']}: {warm['curl']['median_per_s']:,.0f}/s | {values[curl_key]:.2f} | 0.8 | {verdict(curl_key)} |
"""

    warm, warm_tls = results["warm"], results["warm_tls"]
    latency, summary = results["latency"], latency_summary(results["latency"])
    side_names = {"serve": "serve", "python_async": "twilio AsyncTwilioHttpClient (aiohttp)", "python_threads": "one twilio Client, thread pool"}
    latency_rows = ""
    for key, row in latency["rows"].items():
        transport_name, concurrency = key.split("/")
        transport_label = "TLS + HTTP/2" if transport_name == "h2" else "TLS + HTTP/1.1"
        for side, figures in row.items():
            latency_rows += (f"| {transport_label} | {int(concurrency):,} | {side_names[side]} | {figures['per_s']:,.0f}/s | "
                             f"{figures['fraction']:.2f} | {figures['rss_mib']:.1f} MiB | {figures['cpu_per_1000']:.2f} s | "
                             f"{figures['sandbox_cpu_per_1000']:.2f} s | {figures['connections']} |\n")
    instructions = results["instructions"]
    instruction_rows = "".join(
        f"| {figures['transport']} | {figures['serve']:,.0f} | {figures['curl']:,.0f} | {figures['serve'] / figures['curl']:.2f}× | 2× | "
        f"{'met' if figures['serve'] <= 2 * figures['curl'] else '**not met**'} |\n" for figures in instructions.values())
    stage_rows = "".join(
        f"| {stage['stage']} | {stage['instructions']:,.0f} | {tls_stage['instructions']:,.0f} |\n"
        for stage, tls_stage in zip(instructions["plain"]["stages"], instructions["tls"]["stages"]))
    rss_verdict = "met" if summary["rss_1000"] < 80 else "**not met**"
    cluster_section = cluster_markdown(results["cluster"])
    return f"""# Benchmarks

Generated by `{command}` on {info['date']}; both sides of each comparison ran in the same run,
against the same local sandbox (release `twilio-sandbox`), alternating, and the table gives
medians. Ratios are what to read: the machine is shared and noisy, absolute times are not stable.
The component measured is what `make install` installs (and what `make dist` ships): the
optimized build with the Swift runtime linked in, as the README's engine section has users run it.

- Machine: {info['machine']}
- {info['swift']}; {info['python']}, twilio {info['twilio']}; {info['curl']}

![Ratios against their goals](benchmarks.svg)

| comparison | component | peer | ratio | goal | |
| --- | ---: | ---: | ---: | ---: | --- |
{rows("", " (plain HTTP)")}{rows("_tls", " over TLS")}| Webhook signatures validated ({webhook['count']:,} requests, {webhook['valid']:,} valid; best of 3 passes, median of {webhook['rounds']}) | {webhook['component']['median_per_s']:,.0f}/s | RequestValidator: {webhook['python']['median_per_s']:,.0f}/s | {values['webhook']:.1f}× | 20× | {verdict('webhook')} |

## At the shape of real traffic: many sends in flight, each waiting for Twilio

`twilio-sandbox --latency-ms {latency['latency_ms']}` answers every API request {latency['latency_ms']} ms after it
arrives, about what a request to api.twilio.com takes from a cloud region. At concurrency C the
best any client can do is C / {latency['latency_ms'] / 1000:g} s messages per second; each side sent {latency['count']:,}
sendSMS at C in flight, and the table gives its rate as a fraction of that, its peak RSS, and
the CPU seconds (user + system, all threads, over the sends only) it and the sandbox spent per
1,000 messages. One run each; both transports are TLS with the sandbox's CA verified.

| transport | in flight | client | messages/s | of C / latency | peak RSS | CPU per 1,000 | sandbox CPU per 1,000 | connections |
| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |
{latency_rows}
- serve's worst fraction at 200 in flight: {summary['latency_200']:.2f} (goal 0.9, {verdict('latency_200')}); at 1,000: {summary['latency_1000']:.2f} (goal 0.8, {verdict('latency_1000')}).
- serve's peak RSS at 1,000 in flight: {summary['rss_1000']:.1f} MiB (goal under 80 MiB, {rss_verdict}).
- CPU per message: the twilio package's better client spends at least {summary['latency_cpu']:.1f}× serve's CPU at the same concurrency (goal 5×, {verdict('latency_cpu')}).

{cluster_section}
## CPU per message, in instructions

valgrind's callgrind counts the instructions of `serve --concurrency {instructions['plain']['concurrency']}` sending sendSMS and of the
curl tool posting the same forms (`--parallel -K`), both against the sandbox at zero latency; the
cost of one more request is (count for {instructions['plain']['large']:,} requests - count for {instructions['plain']['small']:,}) / {instructions['plain']['large'] - instructions['plain']['small']:,}, so
start-up cancels out. Instruction counts do not move with the machine's load.

| transport | serve, per sendSMS | curl, per request | ratio | goal | |
| --- | ---: | ---: | ---: | ---: | --- |
{instruction_rows}
Where serve's instructions go, per sendSMS (each stage's inclusive count, the same difference):

| stage | plain HTTP | TLS + HTTP/2 |
| --- | ---: | ---: |
{stage_rows}
Stages in parentheses, and the JSON parse, are also inside others. What no stage holds is handing
each request between the threads that read lines, run the invocation and drive libcurl, and the
Swift runtime's task switches, allocation and reference counting.

How each side reached the sandbox in its last warm run (the sandbox's own count):

| warm run | serve | twilio Client | curl |
| --- | --- | --- | --- |
| plain HTTP | {transport(warm['component'])} | {transport(warm['python'])} | {transport(warm['curl'])} |
| TLS | {transport(warm_tls['component'])} | {transport(warm_tls['python'])} | {transport(warm_tls['curl'])} |

What each measures:

1. **Cold send**: a fresh `twilio-component invoke --request send.json` (load the embedded
   manifest, resolve, one POST to the sandbox, print the envelope) against a fresh `python3`
   importing `twilio` and creating one message. Peak RSS from `wait4`. Over TLS each side also
   loads the CA file and makes one TLS handshake: the component with `SSL_CERT_FILE`, the
   package with `REQUESTS_CA_BUNDLE`, both naming the CA `twilio-sandbox --tls` made.
2. **Warm throughput**: a running `twilio-component serve --concurrency {warm['concurrency']}` fed {warm['count']:,}
   request lines (time from the first line to the last answer; the sandbox is emptied first and
   holds exactly {warm['count']:,} messages after), against one `twilio` `Client` shared by
   {warm['concurrency']} threads, and against `curl --parallel --parallel-max {warm['concurrency']} -K` posting the
   same forms in one process (`--cacert` over TLS). Over TLS the component and curl multiplex
   HTTP/2 streams; the twilio package (requests, urllib3) speaks HTTP/1.1 only.
3. **Latency-bound** and **CPU per message**: see their sections above.
4. **Webhook validation**: the same {webhook['count']:,} status callbacks (signed by the package's own
   `compute_signature`, one in ten tampered), checked by `TwilioSignatureValidator` in
   `bench/webhook-bench` and by `RequestValidator.validate`; both find {webhook['valid']:,} valid.

## Manifest load and validation

`bench/manifest-bench` (release): the shipped `component.yaml` and generated manifests of 10
inputs per action; µs per action stays flat as the manifest grows, so the cost is linear.

{results['manifest']}

{results['analysis']}"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=pathlib.Path, required=True, help="the installed twilio-component and twilio-sandbox")
    parser.add_argument("--tools", type=pathlib.Path, help="webhook-bench and manifest-bench (default: --bin)")
    parser.add_argument("--python", required=True)
    parser.add_argument("--engines-python", required=True, help="Celery and the adapters, for the cluster row")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs")
    args = parser.parse_args()
    rounds = 3 if args.quick else 15
    warm_rounds = 1 if args.quick else 5

    measured = {}
    for suffix, tls in [("", False), ("_tls", True)]:
        label = " over TLS" if tls else ""
        sandbox = Sandbox(args.bin / "twilio-sandbox", tls=tls)
        try:
            log(f"cold send{label}")
            cold = measured["cold" + suffix] = cold_send(args, sandbox, rounds)
            log(f"cold send{label}: component {cold['component']['median_ms']:.1f} ms, python {cold['python']['median_ms']:.1f} ms")
            log(f"warm throughput{label}")
            warm = measured["warm" + suffix] = warm_throughput(args, sandbox, warm_rounds)
            log(f"warm{label}: serve {warm['component']['median_per_s']:.0f}/s, python {warm['python']['median_per_s']:.0f}/s, curl {warm['curl']['median_per_s']:.0f}/s")
            log(f"warm{label} transports: " + "; ".join(f"{name} {transport(warm[name])}" for name in ("component", "python", "curl")))
        finally:
            sandbox.stop()
    log("latency-bound throughput")
    measured["latency"] = latency_bound(args.bin, args.python, count=1000 if args.quick else 5000, log=log)
    log("cluster")
    measured["cluster"] = cluster(args.bin, args.engines_python, count=1000 if args.quick else 3000, log=log)
    measured["instructions"] = {}
    for key, tls in (("plain", False), ("tls", True)):
        log(f"instructions per message over {'TLS' if tls else 'plain HTTP'}")
        measured["instructions"][key] = instructions_per_message(args.bin, tls=tls, log=log)
    log("webhook validation")
    webhook = webhook_validation(args, 3 if args.quick else 5)
    log(f"webhook: component {webhook['component']['median_per_s']:.0f}/s, python {webhook['python']['median_per_s']:.0f}/s")
    log("manifest")
    manifest = manifest_bench(args)
    analysis_file = ROOT / "bench" / "analysis.md"
    analysis = analysis_file.read_text().strip() + "\n" if analysis_file.exists() else ""
    results = {**measured, "webhook": webhook, "manifest": manifest, "analysis": analysis}
    info = versions(args)
    info["date"] = datetime.date.today().isoformat()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmarks.md").write_text(markdown(results, info, "make bench"))
    (args.out / "benchmarks.svg").write_text(chart(results))
    (args.out / "benchmarks.json").write_text(json.dumps({k: v for k, v in results.items() if k not in ("manifest", "analysis")}, indent=2) + "\n")
    for label, key, goal in GOALS:
        value = ratios(results)[key]
        print(f"{label}: {value:.2f}× (goal {goal}×, {'met' if value >= goal else 'NOT met'})")


if __name__ == "__main__":
    main()
