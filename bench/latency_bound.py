"""Latency-bound throughput: what a worker does all day, many sends in flight, each waiting for
Twilio. The sandbox answers every API request after --latency-ms (200 ms, about what a request to
api.twilio.com takes from a cloud region), so at concurrency C the best any client can do is
C / latency messages per second; each side's rate is reported as a fraction of that.

Sides, at the same concurrency against the same sandbox:
- `twilio-component serve --concurrency C` fed all request lines at once;
- the twilio package's AsyncTwilioHttpClient (aiohttp) with C tasks, its connector's limit raised
  to C (its default of 100 would cap it);
- one twilio `Client` shared by a pool of C threads, its connection pool raised to C (requests'
  default of 10 would make it open and drop a connection per request).

For each: messages/s as a fraction of C / latency, peak RSS, and CPU seconds per 1,000 messages
(user + system of the whole process, over the sends only, not start-up or imports).

Run alone: python3 bench/latency_bound.py --bin .build-static/release --python .venv/bin/python [--quick]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sandbox_process import FROM, TO, Sandbox, component_environment  # noqa: E402

PYTHON_THREADS = """
import concurrent.futures, json, resource, sys, time
from requests.adapters import HTTPAdapter
from twilio.rest import Client
account, token, base, count, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
client = Client(account, token)
client.api.base_url = base
adapter = HTTPAdapter(pool_connections=1, pool_maxsize=concurrency)
client.http_client.session.mount("https://", adapter)
client.http_client.session.mount("http://", adapter)
client.messages.create(from_="+15005550006", to="+14155550100", body="warm-up")
def send(index):
    return client.messages.create(from_="+15005550006", to="+14155550100", body=f"threads {index}").sid
cpu = time.process_time()
start = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
    sids = list(pool.map(send, range(count)))
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu
print(json.dumps({"seconds": elapsed, "cpu": cpu, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "unique": len(set(sids))}))
"""

PYTHON_ASYNC = """
import asyncio, json, os, resource, ssl, sys, time
import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
account, token, base, count, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

async def main():
    http = AsyncTwilioHttpClient()
    await http.session.close()
    context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE"))
    http.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, ssl=context))
    client = Client(account, token, http_client=http)
    client.api.base_url = base
    await client.messages.create_async(from_="+15005550006", to="+14155550100", body="warm-up")
    queue = list(range(count))
    queue.reverse()
    sids = []

    async def worker():
        while queue:
            index = queue.pop()
            message = await client.messages.create_async(from_="+15005550006", to="+14155550100", body=f"async {index}")
            sids.append(message.sid)

    cpu = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    await http.session.close()
    return {"seconds": elapsed, "cpu": cpu, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "unique": len(set(sids))}

print(json.dumps(asyncio.run(main())))
"""

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """User + system CPU seconds of a running process, all its threads (from /proc)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def serve_side(binary, sandbox, count, concurrency):
    """`count` sendSMS through one serve at `concurrency`; the clock runs from the first request
    line to the last answer, after one warm-up send."""
    env = component_environment(sandbox)
    process = subprocess.Popen([str(binary / "twilio-component"), "serve", "--concurrency", str(concurrency)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def line(identifier, body):
        return (json.dumps({"id": identifier, "action": "sendSMS", "inputs": {"from": FROM, "to": TO, "body": body}}) + "\n").encode()

    process.stdin.write(line("warm-up", "warm-up"))
    process.stdin.flush()
    process.stdout.readline()
    payload = b"".join(line(index, f"serve {index}") for index in range(count))
    cpu = process_cpu_seconds(process.pid)
    start = time.perf_counter()
    writer = threading.Thread(target=lambda: (process.stdin.write(payload), process.stdin.flush()))
    writer.start()
    sids = set()
    failures = []
    for _ in range(count):
        answer = json.loads(process.stdout.readline())
        if "data" in answer:
            sids.add(answer["data"]["sid"])
        else:
            failures.append(answer["error"].get("message", ""))
    elapsed = time.perf_counter() - start
    cpu = process_cpu_seconds(process.pid) - cpu
    rss = peak_rss_kib(process.pid)
    writer.join()
    process.stdin.close()
    err = process.stderr.read()
    process.wait(timeout=60)
    if failures or len(sids) != count:
        raise SystemExit(f"bench: serve answered {len(failures)} failures ({failures[:3]}), {len(sids)} distinct SIDs of {count}: "
                         f"{err.decode()[-1000:]}")
    return {"seconds": elapsed, "cpu": cpu, "rss_kib": rss}


def python_side(python, script, sandbox, count, concurrency):
    out = subprocess.run([python, "-c", script, sandbox.account, sandbox.token, sandbox.base, str(count), str(concurrency)],
                         check=True, capture_output=True, env=component_environment(sandbox)).stdout
    result = json.loads(out)
    if result["unique"] != count:
        raise SystemExit(f"bench: the Python side created {result['unique']} distinct messages of {count}")
    return result


SIDES = ("serve", "python_async", "python_threads")


def latency_bound(binary, python, latency_ms=200, count=5000, concurrencies=(50, 200, 1000), sides=SIDES, transports=("h2", "h1"),
                  log=print):
    """Every side at every concurrency over TLS + HTTP/2 and over TLS + HTTP/1.1 (the sandbox's
    --no-http2); the sandbox is emptied before each run and must hold exactly the run's messages
    after it (one more for the Python sides' warm-up)."""
    results = {}
    for transport, extra in (("h2", []), ("h1", ["--no-http2"])):
        if transport not in transports:
            continue
        sandbox = Sandbox(binary / "twilio-sandbox", tls=True, extra=["--latency-ms", str(latency_ms)] + extra)
        try:
            for concurrency in concurrencies:
                row = {}
                for side in sides:
                    sandbox.reset()
                    sandbox_cpu = process_cpu_seconds(sandbox.process.pid)
                    if side == "serve":
                        measured = serve_side(binary, sandbox, count, concurrency)
                    else:
                        script = PYTHON_ASYNC if side == "python_async" else PYTHON_THREADS
                        measured = python_side(python, script, sandbox, count, concurrency)
                    sandbox_cpu = process_cpu_seconds(sandbox.process.pid) - sandbox_cpu
                    traffic = sandbox.traffic_of_run()
                    expected = count + 1  # and the warm-up send
                    if sandbox.count() != expected:
                        raise SystemExit(f"bench: {side} left {sandbox.count()} messages for {expected} sends")
                    ceiling = concurrency / (latency_ms / 1000)
                    rate = count / measured["seconds"]
                    row[side] = {
                        "per_s": rate, "fraction": rate / ceiling, "rss_mib": measured["rss_kib"] / 1024,
                        "cpu_per_1000": measured["cpu"] / count * 1000, "peak_in_flight": traffic.get("peakInFlight"),
                        "sandbox_cpu_per_1000": sandbox_cpu / count * 1000,
                        "connections": traffic["connections"], "requests": traffic["requests"],
                    }
                    log(f"latency-bound {transport} c={concurrency} {side}: {rate:,.0f}/s ({rate / ceiling:.2f} of {ceiling:,.0f}), "
                        f"{measured['rss_kib'] / 1024:.1f} MiB, {row[side]['cpu_per_1000']:.2f} CPU s/1000 "
                        f"(sandbox {row[side]['sandbox_cpu_per_1000']:.2f}), "
                        f"peak {traffic.get('peakInFlight')} in flight, {traffic['connections']} connections")
                results[f"{transport}/{concurrency}"] = row
        finally:
            sandbox.stop()
    return {"latency_ms": latency_ms, "count": count, "rows": results}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=pathlib.Path, required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, action="append", help="repeat for more (default 50, 200 and 1000)")
    parser.add_argument("--side", action="append", choices=SIDES, help="repeat for more (default all)")
    parser.add_argument("--transport", action="append", choices=("h2", "h1"), help="repeat for more (default both)")
    args = parser.parse_args()
    result = latency_bound(args.bin, args.python, count=args.count, concurrencies=tuple(args.concurrency or (50, 200, 1000)),
                           sides=tuple(args.side or SIDES), transports=tuple(args.transport or ("h2", "h1")),
                           log=lambda message: print(message, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
