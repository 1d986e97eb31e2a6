"""CPU per message, in instructions: `twilio-component serve` against the curl tool posting the same
forms, both counted by valgrind's callgrind (instruction counts are the same run to run whatever
else the machine does, unlike wall or CPU time).

Each side runs twice, with SMALL and LARGE requests, against the same sandbox at zero latency,
over plain HTTP and over TLS (HTTP/2 for both sides; curl and serve verify the sandbox's CA); (instructions of LARGE - instructions of SMALL) / (LARGE - SMALL) is the cost of one more
request, start-up and shut-down cancelled out. The serve run's profile is broken down by stage the
same way, from each stage function's inclusive count.

valgrind 3.19 cannot read the DWARF 5 debug information Swift 6 writes, so the component runs from
a copy with its debug sections stripped (its symbol table, which names the functions, stays).

Run alone: python3 bench/instructions.py --bin .build-static/release
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sandbox_process import FROM, TO, Sandbox, component_environment  # noqa: E402

SMALL, LARGE = 100, 1100
CONCURRENCY = 8

# The stages of one sendSMS through serve, by the (mangled) name of the function that does each.
STAGES = [
    ("read the request line (its JSON included)", r"13ComponentHost13EngineRequestV5parse_8expected"),
    ("resolve and check the inputs", r"16ComponentRuntime13InputResolverV7resolve"),
    ("resolve the connection", r"16ComponentRuntime18ConnectionResolverV7resolve_3for"),
    ("decode the handler's typed input", r"15TwilioComponent7SendSMSV5InputV4from"),
    ("normalize the numbers and build the form", r"15TwilioComponent7SendSMSV4form3for"),
    ("prepare the HTTP request (headers, form encoding)", r"13ComponentHTTP14CurlHTTPClientV7prepare"),
    ("libcurl: the transfer, on its event-loop thread", r"13ComponentHTTP13CurlEventLoopC3run"),
    ("(of which reading the response headers)", r"13ComponentHTTP12CurlTransferC6header"),
    ("parse JSON: the request line's and the answer's", r"13ComponentCore10JSONParserO5parse"),
    ("map it to the documented output", r"15TwilioComponent13MessageOutputO3map"),
    ("scrub secrets from the result", r"16ComponentRuntime14SecretScrubberV5scrub"),
    ("write the answer line", r"13ComponentHost9ServeLoopO12AnswerWriterC5write"),
]


def callgrind(command, out_file, stdin=None, env=None):
    result = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + command,
                            input=stdin, capture_output=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"bench: {command[0]} under callgrind failed ({result.returncode}): {result.stderr.decode()[-2000:]}")
    match = re.search(r"Collected : (\d+)", result.stderr.decode())
    return int(match.group(1)), result.stdout


def inclusive_costs(out_file):
    """Each function's inclusive instruction count, by its name."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out_file)],
                          capture_output=True, text=True, check=True).stdout
    costs = {}
    for line in text.splitlines():
        match = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:(\S+)", line)
        if match:
            name = match.group(2)
            costs[name] = max(costs.get(name, 0), int(match.group(1).replace(",", "")))
    return costs


def stage_cost(costs, pattern):
    """The largest inclusive count among the functions matching `pattern` (an async function
    shows as several partial functions; the outermost holds the rest)."""
    matching = [cost for name, cost in costs.items() if re.search(pattern, name)]
    return max(matching) if matching else 0


def serve_requests(count):
    return b"".join((json.dumps({"id": index, "action": "sendSMS", "inputs": {"from": FROM, "to": TO, "body": f"serve {index}"}})
                     + "\n").encode() for index in range(count))


def curl_config(sandbox, count):
    url = f"{sandbox.base}/2010-04-01/Accounts/{sandbox.account}/Messages.json"
    lines = []
    for index in range(count):
        lines += [f'url = "{url}"', f'data = "From=%2B15005550006&To=%2B14155550100&Body=curl+{index}"',
                  f'user = "{sandbox.account}:{sandbox.token}"', 'output = "/dev/null"', "next"]
    return "\n".join(lines[:-1]) + "\n"


def instructions_per_message(binary, tls=False, log=print):
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    component = work / "twilio-component"
    shutil.copy(binary / "twilio-component", component)
    subprocess.run(["strip", "--strip-debug", str(component)], check=True)
    sandbox = Sandbox(binary / "twilio-sandbox", tls=tls)
    label = "TLS" if tls else "plain HTTP"
    try:
        env = component_environment(sandbox)
        totals = {"serve": {}, "curl": {}}
        profiles = {}
        for count in (SMALL, LARGE):
            sandbox.reset()
            out_file = work / f"serve-{count}.out"
            totals["serve"][count], stdout = callgrind([str(component), "serve", "--concurrency", str(CONCURRENCY)], out_file,
                                                       stdin=serve_requests(count), env=env)
            if len(stdout.splitlines()) != count or b'"error"' in stdout or sandbox.count() != count:
                raise SystemExit(f"bench: serve under callgrind did not send {count} messages")
            profiles[count] = inclusive_costs(out_file)
            sandbox.reset()
            config = work / f"curl-{count}.cfg"
            config.write_text(curl_config(sandbox, count))
            trust = ["--cacert", sandbox.ca_file] if sandbox.ca_file else []
            totals["curl"][count], _ = callgrind(["curl", "--silent", "--fail", "--parallel", "--parallel-max", str(CONCURRENCY)]
                                                 + trust + ["-K", str(config)], work / f"curl-{count}.out", env=env)
            if sandbox.count() != count:
                raise SystemExit(f"bench: curl under callgrind did not send {count} messages")
            log(f"instructions over {label}: {count} requests: serve {totals['serve'][count]:,}, curl {totals['curl'][count]:,}")
        per = {side: (values[LARGE] - values[SMALL]) / (LARGE - SMALL) for side, values in totals.items()}
        stages = []
        for stage, pattern in STAGES:
            cost = (stage_cost(profiles[LARGE], pattern) - stage_cost(profiles[SMALL], pattern)) / (LARGE - SMALL)
            stages.append({"stage": stage, "instructions": cost})
        return {"serve": per["serve"], "curl": per["curl"], "ratio": per["serve"] / per["curl"], "stages": stages,
                "small": SMALL, "large": LARGE, "concurrency": CONCURRENCY, "transport": label}
    finally:
        sandbox.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", type=pathlib.Path, required=True)
    parser.add_argument("--tls", action="store_true", help="over TLS and HTTP/2 instead of plain HTTP")
    args = parser.parse_args()
    result = instructions_per_message(args.bin, tls=args.tls, log=lambda message: print(message, file=sys.stderr, flush=True))
    print(f"over {result['transport']}: serve {result['serve']:,.0f} instructions per sendSMS, curl {result['curl']:,.0f}: "
          f"{result['ratio']:.2f}x")
    for stage in result["stages"]:
        print(f"  {stage['instructions']:>10,.0f}  {stage['stage']}")


if __name__ == "__main__":
    main()
