"""The Celery cluster at the shape of real traffic, beside one warm `serve` at the same in-flight
count, against the same sandbox answering every API request after --latency-ms (200 ms) over
TLS + HTTP/2.

- cluster: 3 Celery workers (`celery -A component_engines.celery worker --pool threads
  --concurrency 8`), each with its warm `serve` child taking 34 requests at once
  (COMPONENT_SERVE_CONCURRENCY: together about the account's limit, so few threads wait for a
  slot), on a redis-server started here with the production settings (AOF every second, no
  eviction, no snapshots), the account limited to 100 requests in flight
  (COMPONENT_ACCOUNT_CONCURRENCY); a client process submits COUNT sendSMS, each to its own
  recipient under its own request id, with `component_engines.celery.run_all`, 20 to a task
  (`batch`: each still claimed, sent and finished on its own in the ledger);
- serve: `twilio-component serve --concurrency 100` fed the same number of sends (bench/latency_bound.py's).

At 100 in flight the bound is 100 / latency messages per second. For each side: its rate and
share of that bound, the sandbox's peak in flight, and the CPU seconds (user + system, from
/proc, over the sends only) each process spent per 1,000 messages: the client, every worker's
Python and its serve child, redis-server and the sandbox. Also Redis's commands per send, from
`INFO commandstats` before and after.

Run alone: python3 bench/cluster.py --bin .build-static/installed/bin --engines-python "$(./scripts/engines-env.sh)"
"""
import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from latency_bound import peak_rss_kib, process_cpu_seconds, serve_side  # noqa: E402
from sandbox_process import FROM, Sandbox, component_environment  # noqa: E402

# The client, in the engines' Python. Warms every worker up (Python's first calls, serve's HTTP/2
# connections), says "ready", waits for "go", then times run_all. What it reports after "done" is
# read from Redis once the clock has stopped.
CLIENT = r"""
import collections, json, sys, time
import redis
from component_engines.celery import app, run_all, settings
count, warm, workers, tag = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
FROM, size = sys.argv[5], int(sys.argv[6])

def requests(kind, n):
    return [(f"{tag}-{kind}-{i}", {"from": FROM, "to": f"+1415555{i:04d}", "body": f"cluster {kind} {i}"}) for i in range(n)]

deadline = time.monotonic() + 120
while len(app.control.ping(timeout=1.0) or []) < workers:
    if time.monotonic() > deadline:
        raise SystemExit("the workers did not all answer a ping in 120 s")
answers, unanswered = run_all("sendSMS", requests("warm", warm), timeout=300, batch=size)
if unanswered or any("error" in a for a in answers.values()):
    raise SystemExit(f"warm-up: {len(unanswered)} unanswered, errors: {[a['error'] for a in answers.values() if 'error' in a][:3]}")
ledger = redis.Redis.from_url(settings.ledger_url)
print(json.dumps({"ready": True}), flush=True)
sys.stdin.readline()
batch = requests("send", count)
before = ledger.info("commandstats")
start = time.perf_counter()
answers, unanswered = run_all("sendSMS", batch, timeout=600, batch=size)
elapsed = time.perf_counter() - start
after = ledger.info("commandstats")
print(json.dumps({"elapsed": elapsed}), flush=True)
commands = {name.removeprefix("cmdstat_"): {"calls": stats["calls"] - before.get(name, {}).get("calls", 0),
                                            "usec": stats["usec"] - before.get(name, {}).get("usec", 0)}
            for name, stats in after.items()}
pipe = ledger.pipeline(transaction=False)
for request_id, _ in batch:
    pipe.hget(f"component-engines:twilio:request:{request_id}", "holder")
holders = collections.Counter((h or b"?").decode().rsplit(":", 1)[-1] for h in pipe.execute())
sids = {a["data"]["sid"] for a in answers.values() if "data" in a}
errors = [a["error"].get("message", "") for a in answers.values() if "error" in a]
print(json.dumps({"answered": len(answers), "unanswered": len(unanswered), "sids": len(sids), "errors": errors[:5],
                  "error_count": len(errors), "commands": {k: v for k, v in commands.items() if v["calls"]},
                  "requests_by_pid": holders}), flush=True)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(directory):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--appendonly", "yes",
         "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", "--save", ""], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not redis_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("bench: redis-server did not start")
        time.sleep(0.05)
    return process, port


def children(pid):
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def cpu_snapshot(pids):
    """CPU seconds of each named process and of each of their children (a worker's serve), by pid."""
    snapshot = {}
    for name, pid in pids.items():
        snapshot[name] = {pid: process_cpu_seconds(pid)}
        for child in children(pid):
            try:
                snapshot[name][child] = process_cpu_seconds(child)
            except OSError:
                pass
    return snapshot


def cpu_spent(before, after, name, own):
    """The CPU a process (own) or its children (not own) spent between the snapshots; a child that
    started in between counts whole."""
    pid = next(iter(after[name]))
    if own:
        return after[name][pid] - before[name][pid]
    return sum(seconds - before[name].get(child, 0.0) for child, seconds in after[name].items() if child != pid)


def stop_group(process, timeout=30):
    """A worker: a warm shutdown (which ends its serve), then whatever is left of its session."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def serve_row(binary, sandbox, count, concurrency):
    sandbox.reset()
    sandbox_cpu = process_cpu_seconds(sandbox.process.pid)
    measured = serve_side(binary, sandbox, count, concurrency)
    sandbox_cpu = process_cpu_seconds(sandbox.process.pid) - sandbox_cpu
    traffic = sandbox.traffic_of_run()
    if sandbox.count() != count + 1:  # and serve_side's warm-up
        raise SystemExit(f"bench: serve left {sandbox.count()} messages for {count + 1} sends")
    return {"seconds": measured["seconds"], "per_s": count / measured["seconds"], "peak_in_flight": traffic.get("peakInFlight"),
            "connections": traffic["connections"], "rss_mib": measured["rss_kib"] / 1024,
            "cpu_per_1000": {"serve": measured["cpu"] / count * 1000, "sandbox": sandbox_cpu / count * 1000}}


def cluster_row(binary, engines_python, sandbox, directory, count, workers, threads, limit, serve_concurrency, batch,
                on_go=None):
    """`on_go(pids)`, if given, is called just before the clock starts (a profiler attaching)."""
    redis_process, port = start_redis(directory)
    environment = {k: v for k, v in component_environment(sandbox).items() if not k.startswith(("CELERY_", "COMPONENT_"))}
    environment.update({
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/1",
        "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{port}/2",
        "COMPONENT_LEDGER_URL": f"redis://127.0.0.1:{port}/3",
        "COMPONENT_EXECUTABLE": str(binary / "twilio-component"),
        "COMPONENT_ACCOUNT_CONCURRENCY": str(limit),
        "COMPONENT_SERVE_CONCURRENCY": str(serve_concurrency),
    })
    started = []
    client = None
    try:
        for index in range(workers):
            with open(directory / f"worker{index}.log", "wb") as output:
                started.append(subprocess.Popen(
                    [engines_python, "-m", "celery", "-A", "component_engines.celery", "worker", "--pool", "threads",
                     "--concurrency", str(threads), "-n", f"bench{index}@%h", "--loglevel", "WARNING"],
                    env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True))
        client = subprocess.Popen([engines_python, "-c", CLIENT, str(count), str(workers * serve_concurrency * 2),
                                   str(workers), f"bench-{os.getpid()}", FROM, str(batch)],
                                  env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def answer():
            line = client.stdout.readline()
            if not line:
                raise SystemExit(f"bench: the cluster's client ended ({client.wait()}); a worker's log: "
                                 f"{(directory / 'worker0.log').read_text()[-2000:]}")
            return json.loads(line)

        answer()  # ready
        pids = {"client": client.pid, "redis": redis_process.pid, "sandbox": sandbox.process.pid,
                **{f"worker{index}": process.pid for index, process in enumerate(started)}}
        sandbox.reset()
        if on_go:
            on_go(pids)
        before = cpu_snapshot(pids)
        client.stdin.write("go\n")
        client.stdin.flush()
        done = answer()
        after = cpu_snapshot(pids)
        summary = answer()
        client.wait(timeout=60)
        traffic = sandbox.traffic_of_run()
        held = sandbox.count()
        rss = {name: peak_rss_kib(pid) / 1024 for name, pid in pids.items() if name.startswith("worker")}
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        for process in started:
            stop_group(process)
        redis_process.terminate()
        redis_process.wait(timeout=30)
    if summary["unanswered"] or summary["error_count"] or summary["sids"] != count or held != count:
        raise SystemExit(f"bench: the cluster answered {summary['answered']} of {count} ({summary['error_count']} errors: "
                         f"{summary['errors']}), {summary['sids']} distinct SIDs; the sandbox holds {held}")
    names = [f"worker{index}" for index in range(workers)]
    per_1000 = 1000 / count
    worker_cpu = [cpu_spent(before, after, name, own=True) * per_1000 for name in names]
    serve_cpu = [cpu_spent(before, after, name, own=False) * per_1000 for name in names]
    cpu = {"client": cpu_spent(before, after, "client", own=True) * per_1000, "workers": sum(worker_cpu),
           "serve": sum(serve_cpu), "redis": cpu_spent(before, after, "redis", own=True) * per_1000,
           "sandbox": cpu_spent(before, after, "sandbox", own=True) * per_1000}
    tasks = [summary["requests_by_pid"].get(str(pids[name]), 0) for name in names]
    commands = {name: {"calls": stats["calls"] / count, "usec": stats["usec"] / count}
                for name, stats in sorted(summary["commands"].items(), key=lambda item: -item[1]["calls"])}
    return {"seconds": done["elapsed"], "per_s": count / done["elapsed"], "peak_in_flight": traffic.get("peakInFlight"),
            "connections": traffic["connections"], "cpu_per_1000": cpu, "worker_cpu_per_1000": worker_cpu,
            "serve_cpu_per_1000": serve_cpu, "requests_per_worker": tasks, "worker_rss_mib": [rss[name] for name in names],
            "redis_per_send": commands}


def cluster(binary, engines_python, count=3000, workers=3, threads=8, limit=100, latency_ms=200, log=print, on_go=None,
            serve_concurrency=34, batch=20):
    """Both sides against one sandbox: serve first, with no worker yet started."""
    bound = limit / (latency_ms / 1000)
    sandbox = Sandbox(binary / "twilio-sandbox", tls=True, extra=["--latency-ms", str(latency_ms)])
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as directory:
            serve = serve_row(binary, sandbox, count, limit)
            log(f"cluster bench: serve at {limit} in flight: {serve['per_s']:,.0f}/s ({serve['per_s'] / bound:.2f} of {bound:,.0f}), "
                f"CPU s/1000: serve {serve['cpu_per_1000']['serve']:.2f}, sandbox {serve['cpu_per_1000']['sandbox']:.2f}")
            result = cluster_row(binary, engines_python, sandbox, pathlib.Path(directory), count, workers, threads, limit,
                                 serve_concurrency, batch, on_go)
    finally:
        sandbox.stop()
    cpu = result["cpu_per_1000"]
    log(f"cluster bench: {workers} workers x {threads} threads (serve {serve_concurrency}, batches of {batch}), "
        f"limit {limit}: {result['per_s']:,.0f}/s "
        f"({result['per_s'] / bound:.2f} of {bound:,.0f}), peak {result['peak_in_flight']} in flight; CPU s/1000: "
        + ", ".join(f"{name} {seconds:.2f}" for name, seconds in cpu.items()) + f"; requests per worker {result['requests_per_worker']}")
    for side in (serve, result):
        side["fraction"] = side["per_s"] / bound
        side["cpu_total_per_1000"] = sum(side["cpu_per_1000"].values())
    return {"count": count, "workers": workers, "threads": threads, "serve_concurrency": serve_concurrency, "batch": batch,
            "limit": limit, "latency_ms": latency_ms, "bound_per_s": bound, "serve": serve, "cluster": result}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=pathlib.Path, required=True, help="twilio-component and twilio-sandbox")
    parser.add_argument("--engines-python", required=True, help="the python of scripts/engines-env.sh (Celery, the adapters)")
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=20, help="requests per task (1: a task each)")
    parser.add_argument("--threads", type=int, default=8, help="each worker's --concurrency")
    args = parser.parse_args()
    result = cluster(args.bin.resolve(), args.engines_python, count=args.count, batch=args.batch, threads=args.threads,
                     log=lambda message: print(message, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
