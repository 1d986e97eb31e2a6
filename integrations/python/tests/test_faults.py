"""The send ledger under the faults that break lease-based systems: at most one message per
request id, and `needs_review` where that cannot be known, never a second send on evidence that
cannot be trusted.

Each case runs three Celery workers (thread pools) over a real redis-server against the sandbox
over TLS + HTTP/2, on loopback, with leases and deadlines scaled down so the suite stays short
(conftest's SCALED_TIMES: the relations between them are the defaults'), and prints its tallies: requests, messages per
request, duplicates, unanswered, needs_review, seconds. Every request must end with exactly one
message and an answer naming it, or `needs_review` with at most one message; a request the
component dies or hangs on ends `failed` or `needs_review`, having sent nothing.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import time
from collections import Counter
from typing import Any, Callable

import pytest
import redis

from conftest import (
    COMPONENT, LEASE_MS, REQUEST_MS, TESTS, Cluster, RedisServer, Worker, read_client, run_client, wait_until)

FROM = "+15005550006"
PAIR_TO = "+14155550123"
# Twilio's own default page size: a pair with hundreds of messages takes many pages.
SETTINGS = {"COMPONENT_RECONCILE_PAGE_SIZE": "50"}

def marker(request_id: str) -> str:
    return f"[{request_id}]"


def sends(case: str, count: int, *, one_pair: bool, body: str = "message {n}", **extra: Any) -> list[dict[str, Any]]:
    """`count` send requests with distinct bodies that name their request id."""
    requests = []
    for n in range(count):
        request_id = f"{case}-{n}"
        to = PAIR_TO if one_pair else f"+1415{5560000 + n:07d}"[:12]
        requests.append({"id": request_id, "inputs": {
            "from": FROM, "to": to, "body": f"{body.format(n=n)} {marker(request_id)}", **extra}})
    return requests


def ledger_entries(client: redis.Redis) -> dict[bytes, dict[bytes, bytes]]:
    keys = list(client.scan_iter("component-engines:twilio:request:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hgetall(key)
    return dict(zip(keys, pipe.execute()))


def holding(client: redis.Redis, victim: int) -> list[bytes]:
    """The requests worker `victim` holds under a lease, after fencing a send."""
    keys = list(client.scan_iter("component-engines:twilio:request:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hmget(key, "state", "holder", "sends")
    return [key for key, (state, holder, sends) in zip(keys, pipe.execute())
            if state == b"claimed" and (holder or b"").endswith(f":{victim}".encode()) and int(sends or 0) > 0]


def ended(client: redis.Redis) -> int:
    """Requests the ledger has ended (done, review or failed)."""
    keys = list(client.scan_iter("component-engines:twilio:request:*", count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hget(key, "state")
    return sum(1 for state in pipe.execute() if state in (b"done", b"review", b"failed"))


def configure(cluster: Cluster, **extra: str) -> None:
    cluster.environment.update(SETTINGS)
    cluster.environment.update(extra)


def run(cluster: Cluster, record: Callable[[str, object], None], case: str, requests: list[dict[str, Any]],
        fault: Callable[[list[Worker]], None], workers: list[Worker] | None = None, special: frozenset[str] = frozenset(),
        review_limit: float = 1.0) -> dict[str, Any]:
    """Starts three workers (unless given), sends `requests`, acts out `fault` meanwhile, then
    checks and prints the tallies."""
    started = time.monotonic()
    workers = workers if workers is not None else [cluster.start_worker(f"{case}-w{n}") for n in range(3)]
    client = run_client(cluster, requests)
    fault(workers)
    result = read_client(client)
    return check(cluster, record, case, requests, result, time.monotonic() - started, special, review_limit)


def check(cluster: Cluster, record: Callable[[str, object], None], case: str, requests: list[dict[str, Any]], result: dict[str, Any], seconds: float,
          special: frozenset[str], review_limit: float) -> dict[str, Any]:
    answers: dict[str, Any] = result["answers"]
    # A create the sandbox still holds would land after the count: wait until none is in flight.
    wait_until(lambda: cluster.sandbox.control("GET", "traffic")["inFlight"] == 0, 60, "the sandbox to finish every request")
    outbound = [m for m in cluster.sandbox.messages() if m.get("direction") == "outbound-api"]
    by_request: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in requests}
    stray = []
    for message in outbound:
        found = re.search(r"\[([^\]]+)\]$", message.get("body") or "")
        if found and found.group(1) in by_request:
            by_request[found.group(1)].append(message)
        else:
            stray.append(message["sid"])
    per_request = Counter(len(found) for found in by_request.values())
    review = sorted(rid for rid, answer in answers.items() if answer.get("error", {}).get("kind") == "needs_review")
    failed = sorted(rid for rid, answer in answers.items()
                    if "error" in answer and answer["error"].get("kind") != "needs_review")
    ledger = redis.Redis.from_url(cluster.redis_url)
    entries = ledger_entries(ledger).values()
    tally = {
        "case": case, "requests": len(requests),
        "messagesPerRequest": {str(n): per_request[n] for n in sorted(per_request)},
        "duplicates": sum(max(0, len(found) - 1) for found in by_request.values()),
        "unanswered": len(result["unanswered"]), "needsReview": len(review), "failed": len(failed),
        "stray": len(stray), "seconds": round(seconds, 1),
        # What the fault did to the ledger: requests claimed again after their holder died or lost
        # the lease, requests sent more than once (each re-send after a complete search found
        # nothing), and answers from holders that had lost their lease.
        "takenOver": sum(1 for e in entries if int(e.get(b"claims", 0)) > 1),
        "resent": sum(1 for e in entries if int(e.get(b"sends", 0)) > 1),
        "conflicts": sum(int(e.get(b"conflicts", 0)) for e in entries)}
    record("tally", "fault tally: " + json.dumps(tally))

    assert tally["duplicates"] == 0, {rid: [m["sid"] for m in found] for rid, found in by_request.items() if len(found) > 1}
    assert not result["unanswered"], {rid: ledger.hgetall(f"component-engines:twilio:request:{rid}")
                                      for rid in result["unanswered"][:5]}
    assert not stray, stray
    for request_id, found in by_request.items():
        answer = answers[request_id]
        if request_id in special:
            # The component died or hung on it every time: it ends failed, having sent nothing, or needs_review.
            error = answer.get("error") or {}
            assert error.get("code") == "serve_died" or error.get("kind") == "needs_review", (request_id, answer)
            assert len(found) <= (1 if error.get("kind") == "needs_review" else 0), (request_id, found)
        elif "data" in answer:
            assert len(found) == 1 and answer["data"]["sid"] == found[0]["sid"], (request_id, answer, found)
        else:
            assert answer["error"]["kind"] == "needs_review", (request_id, answer)
            assert len(found) <= 1, (request_id, found)
    assert len([rid for rid in review if rid not in special]) <= review_limit / 100 * len(requests), review
    return tally


def fault_queue(cluster: Cluster, faults: list[dict[str, Any]]) -> None:
    for fault in faults:
        cluster.sandbox.control("POST", "faults", {"route": "messages.create", "count": 1, "fault": fault})


def after_a_third(cluster: Cluster, total: int) -> None:
    client = redis.Redis.from_url(cluster.redis_url)
    wait_until(lambda: ended(client) >= total // 3, 300, "a third of the requests to end", interval=0.2)


def test_one_pair_with_a_worker_killed(cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    """520 sends between the same two numbers, distinct bodies: a lost send can be older than the
    newest page, so the search must read every page back to its window."""
    configure(cluster)
    requests = sends("pair", 520, one_pair=True, body="on-call alert {n}")

    client = redis.Redis.from_url(cluster.redis_url)
    held: list[bytes] = []

    def kill(workers: list[Worker]) -> None:
        after_a_third(cluster, len(requests))
        victim = workers[0].process.pid
        # Killed at a moment it holds sends it may have made: stopped, looked at, then killed as it
        # stands (or let go on, to try again).
        for _ in range(100):
            wait_until(lambda: holding(client, victim), 60, "the worker to hold sends", interval=0.02)
            os.killpg(victim, signal.SIGSTOP)
            held.extend(holding(client, victim))
            if held:
                break
            os.killpg(victim, signal.SIGCONT)
        os.killpg(victim, signal.SIGKILL)

    tally = run(cluster, record_property, "one-pair-sigkill", requests, kill, review_limit=1.0)
    assert held and tally["takenOver"] > 0, "the killed worker held no send"


@pytest.mark.parametrize("whole_group", [True, False], ids=["group", "python"])
def test_a_worker_paused_past_its_lease(cluster: Cluster, record_property: Callable[[str, object], None], whole_group: bool) -> None:
    """A worker stopped longer than its lease (as a VM or GC pause does), then resumed: its
    requests are taken over, and on resume it sends nothing under the lease it lost."""
    configure(cluster)
    case = "pause-group" if whole_group else "pause-python"
    requests = sends(case, 300, one_pair=False)

    client = redis.Redis.from_url(cluster.redis_url)
    held: list[bytes] = []

    def claims(key: bytes) -> int:
        return int(client.hget(key, "claims") or 0)

    def pause(workers: list[Worker]) -> None:
        after_a_third(cluster, len(requests))
        victim = workers[0].process.pid
        stop = (lambda sig: os.killpg(victim, sig)) if whole_group else (lambda sig: os.kill(victim, sig))
        # Stopped at a moment it holds a request it may have sent.
        for _ in range(100):
            wait_until(lambda: holding(client, victim), 60, "the worker to hold a request", interval=0.02)
            stop(signal.SIGSTOP)
            paused = time.monotonic()
            held.extend(holding(client, victim))
            if held:
                break
            stop(signal.SIGCONT)
        # Past the lease, and until another worker has taken up one of its requests.
        if held:
            wait_until(lambda: any(claims(key) > 1 for key in held), 60, "another worker to take a request up", interval=0.5)
        time.sleep(max(0.0, paused + LEASE_MS / 1000 + 2 - time.monotonic()))
        stop(signal.SIGCONT)

    tally = run(cluster, record_property, case, requests, pause)
    assert held, "the paused worker held no request"
    assert tally["takenOver"] > 0


def test_the_service_creates_after_the_client_gave_up(cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    """The sandbox holds some creates past the request's deadline, then creates them: the runner
    looks only once such a create can no longer land, and finds it."""
    configure(cluster)
    requests = sends("late", 60, one_pair=False)
    held = {"type": "hold", "milliseconds": REQUEST_MS + 2_000}
    fault_queue(cluster, [held, {"type": "pass"}, {"type": "pass"}] * 6)
    run(cluster, record_property, "late-create", requests, lambda workers: None)
    assert not cluster.sandbox.control("GET", "faults")["pending"], "not every hold struck"


def test_a_lost_answer_on_smart_encoded_sends(cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    """Smart Encoding changes the stored body (curly quotes become straight): the match uses the
    body the component predicts Twilio stores, from its dry run."""
    configure(cluster)
    requests = sends("smart", 60, one_pair=True, body="It\u2019s \u201cready\u201d \u2013 order {n}", smartEncoded=True)
    fault_queue(cluster, [{"type": "dropAfterProcessing"}, {"type": "pass"}] * 10)
    tally = run(cluster, record_property, "smart-encoded-lost-answer", requests, lambda workers: None, review_limit=0)
    assert not cluster.sandbox.control("GET", "faults")["pending"], "not every drop struck"
    stored = [m["body"] for m in cluster.sandbox.messages() if "smart-0]" in m["body"]]
    assert stored and "\u2019" not in stored[0], stored  # the sandbox did smart-encode
    assert tally["messagesPerRequest"] == {"1": len(requests)}


def test_a_long_retry_after_while_the_worker_is_killed(cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    """429s with a Retry-After shorter than a request's deadline (waited inside it) and longer (the
    request ends with the 429 and every worker cools down), while the only worker's Python process
    is killed (its `serve` lives on, orphaned): the orphan retries only inside its deadline, and
    the workers that take over wait until that has passed, then find what it sent."""
    configure(cluster)
    requests = sends("retry-after", 24, one_pair=False)
    victim = cluster.start_worker("retry-after-w0")
    short = {"type": "status", "status": 429, "retryAfter": "3"}
    long = {"type": "status", "status": 429, "retryAfter": "20"}
    fault_queue(cluster, [short] * 8 + [long] * 4)

    def pending() -> int:
        return len(cluster.sandbox.control("GET", "faults")["pending"].get("messages.create", []))

    def kill(workers: list[Worker]) -> None:
        # Killed while its serve waits out the short Retry-Afters, inside their requests' deadlines.
        wait_until(lambda: pending() <= 6, 60, "the first 429s to be served", interval=0.05)
        os.kill(victim.process.pid, signal.SIGKILL)
        workers.extend(cluster.start_worker(f"retry-after-w{n}") for n in (1, 2))

    tally = run(cluster, record_property, "retry-after-sigkill", requests, kill, workers=[victim])
    assert tally["takenOver"] > 0, "the killed worker held no request"
    assert not pending(), "not every 429 struck"


@pytest.mark.parametrize("offset_ms", [-10_000, 10_000], ids=["behind", "ahead"])
def test_the_service_clock_off_redis(cluster: Cluster, record_property: Callable[[str, object], None], offset_ms: int) -> None:
    """Twilio's clock 10 s behind (or ahead of) Redis's: the search window is placed on Twilio's
    clock, from its Date header, so lost answers are still found."""
    configure(cluster)
    cluster.sandbox.control("POST", "clock", {"offsetMilliseconds": offset_ms})
    case = f"clock-{'behind' if offset_ms < 0 else 'ahead'}"
    requests = sends(case, 120, one_pair=True)
    fault_queue(cluster, [{"type": "dropAfterProcessing"}, {"type": "pass"}, {"type": "pass"}] * 12)
    run(cluster, record_property, case, requests, lambda workers: None, review_limit=0)
    assert not cluster.sandbox.control("GET", "faults")["pending"], "not every drop struck"


@pytest.mark.parametrize("fault", ["poison-pill", "hang-forever"], ids=["dies", "hangs"])
def test_an_input_the_component_dies_or_hangs_on(cluster: Cluster, record_property: Callable[[str, object], None], fault: str) -> None:
    """A send on which the component's process dies (or hangs) every time: it ends `failed` with
    the reason after a bounded number of tries, sent nowhere; the requests that shared the process
    with it are retried alone and sent once."""
    configure(cluster, COMPONENT_EXECUTABLES=str(TESTS / "faulty_component.py"), FAULTY_COMPONENT_REAL=COMPONENT)
    case = "poison" if fault == "poison-pill" else "hang"
    requests = sends(case, 60, one_pair=False)
    special = {requests[7]["id"], requests[31]["id"]}
    for request in requests:
        if request["id"] in special:
            request["inputs"]["body"] = f"{fault} {marker(request['id'])}"
    tally = run(cluster, record_property, f"serve-{'dies' if case == 'poison' else 'hangs'}", requests, lambda workers: None,
                special=frozenset(special))
    assert tally["failed"] + tally["needsReview"] >= len(special)


def outbound_count(cluster: Cluster) -> int:
    return sum(1 for m in cluster.sandbox.messages() if m.get("direction") == "outbound-api")


def resubmitted_send_nothing(cluster: Cluster, record: Callable[[str, object], None], case: str,
                             requests: list[dict[str, Any]], first: dict[str, Any]) -> None:
    """Every id submitted again: each answers as before, and the sandbox gets no new message."""
    before = outbound_count(cluster)
    again = read_client(run_client(cluster, requests, timeout=300))
    assert not again["unanswered"], again["unanswered"][:5]
    changed = [rid for rid, answer in again["answers"].items() if answer != first["answers"].get(rid)]
    record("tally", f"fault tally: {case}: {len(requests)} ids submitted again, {len(changed)} answers changed, "
                    f"{outbound_count(cluster) - before} new messages")
    assert not changed, {rid: (first["answers"].get(rid), again["answers"][rid]) for rid in changed[:3]}
    assert outbound_count(cluster) == before


def test_redis_killed_and_restarted(cluster: Cluster, record_property: Callable[[str, object], None],
                                    tmp_path: pathlib.Path) -> None:
    """Redis (broker, results and ledger), configured as docs/engines.md has production run it, is
    killed (-9) while sends between one pair of numbers are in flight, and started again from its
    append-only log: every request is answered, with one message, and asking again for every id
    sends nothing."""
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis").start()
    try:
        cluster.redis_url = server.url()
        configure(cluster, CELERY_BROKER_URL=server.url())
        requests = sends("redis-restart", 300, one_pair=True, body="restart alert {n}")
        # One create in three answered late, all through the run, so that sends are in flight when
        # Redis goes however far the run has got by then (a shorter script could run out first).
        fault_queue(cluster, [{"type": "delay", "milliseconds": 3_000}, {"type": "pass"}, {"type": "pass"}] * 100)
        started = time.monotonic()
        workers = [cluster.start_worker(f"redis-restart-w{n}") for n in range(3)]
        client = run_client(cluster, requests)
        after_a_third(cluster, len(requests))
        wait_until(lambda: cluster.sandbox.control("GET", "traffic")["inFlight"] > 0, 60, "sends in flight", interval=0.02)
        server.kill()
        time.sleep(3)
        server.start()
        result = read_client(client)
        check(cluster, record_property, "redis-restart", requests, result, time.monotonic() - started, frozenset(), 1.0)
        assert all(worker.process.poll() is None for worker in workers), "a worker ended with Redis"
        resubmitted_send_nothing(cluster, record_property, "redis-restart", requests, result)
    finally:
        cluster.stop()
        server.stop()


def test_the_ledger_stalls_after_claims(cluster: Cluster, record_property: Callable[[str, object], None],
                                        tmp_path: pathlib.Path) -> None:
    """The ledger's own Redis stops answering (SIGSTOP, longer than a lease) while claimed sends are
    in flight: finishing them fails, their tasks are retried rather than acknowledged, and each
    request ends with its one message once the ledger answers again."""
    (tmp_path / "ledger").mkdir()
    server = RedisServer(tmp_path / "ledger").start()
    try:
        cluster.redis_url = server.url()
        configure(cluster, COMPONENT_LEDGER_URL=server.url(), COMPONENT_REDIS_TIMEOUT_MS="1000")
        requests = sends("ledger-stall", 90, one_pair=False)
        # Every other create answered late, all through the run (see test_redis_killed_and_restarted).
        fault_queue(cluster, [{"type": "delay", "milliseconds": 2_000}, {"type": "pass"}] * 45)
        started = time.monotonic()
        workers = [cluster.start_worker(f"ledger-stall-w{n}") for n in range(3)]
        client = run_client(cluster, requests)
        after_a_third(cluster, len(requests))
        wait_until(lambda: cluster.sandbox.control("GET", "traffic")["inFlight"] > 0, 60, "sends in flight", interval=0.02)
        assert server.process is not None
        server.process.send_signal(signal.SIGSTOP)
        time.sleep(LEASE_MS / 1000 + 2)
        server.process.send_signal(signal.SIGCONT)
        result = read_client(client)
        tally = check(cluster, record_property, "ledger-stall", requests, result, time.monotonic() - started,
                      frozenset(), 1.0)
        retried = sum(worker.log.read_text(errors="replace").count("retrying") for worker in workers)
        record_property("tally", f"fault tally: ledger-stall: {retried} task retries logged")
        assert retried > 0, "no task failed after its claim"
        assert tally["takenOver"] > 0
    finally:
        cluster.stop()
        server.stop()


def test_a_task_that_kills_its_worker(cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    """A send whose every run kills the worker running it (as the OOM killer would): the broker hands
    it out again each time, and after COMPONENT_MAX_DELIVERIES runs it ends `needs_review` with
    its counts instead of killing workers for ever. The workers are restarted as a supervisor
    would."""
    runs = 2
    configure(cluster, COMPONENT_EXECUTABLES=str(TESTS / "faulty_component.py"), FAULTY_COMPONENT_REAL=COMPONENT,
              COMPONENT_MAX_DELIVERIES=str(runs))
    requests = sends("killer", 30, one_pair=False)
    poison = requests[12]
    poison["inputs"]["body"] = f"kill-worker {marker(poison['id'])}"
    started = time.monotonic()
    workers = [cluster.start_worker(f"killer-w{n}") for n in range(2)]
    client = run_client(cluster, requests)
    killed = 0
    while client.poll() is None:
        for index, worker in enumerate(workers):
            if worker.process.poll() is not None:
                killed += 1
                workers[index] = cluster.start_worker(f"killer-r{killed}")
        time.sleep(0.2)
    result = read_client(client)
    check(cluster, record_property, "task-kills-worker", requests, result, time.monotonic() - started,
          frozenset({poison["id"]}), 10.0)
    answer = result["answers"][poison["id"]]
    record_property("tally", f"fault tally: task-kills-worker: {killed} workers killed, answer "
                             f"{answer['error']['code']} {answer['error']['details']}")
    assert answer["error"]["kind"] == "needs_review" and answer["error"]["details"]["runs"] == runs, answer
    assert killed == runs
