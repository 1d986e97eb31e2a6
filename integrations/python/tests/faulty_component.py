#!/usr/bin/env python3
"""A component executable that fails on one input every time, for the fault suite: it stands
between the worker and the real component (`FAULTY_COMPONENT_REAL`) and passes everything
through, except a send (not a dry run) whose line holds

- `poison-pill`: the process dies at once (SIGKILL), its real component with it, as a crash
  on that input would;
- `hang-forever`: the real component is stopped (SIGSTOP) and nothing more is answered, as a
  deadlock would; only killing this process ends it (its real component dies with it);
- `kill-worker`: the process that started this one (the worker) is killed (SIGKILL), then this
  one, as an input that exhausts a worker's memory would end under the OOM killer.

`serve` and the one-shot `invoke` are covered; every other subcommand runs the real one.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading

REAL = os.environ["FAULTY_COMPONENT_REAL"]
POISON = "poison-pill"
HANG = "hang-forever"
KILL_WORKER = "kill-worker"
PR_SET_PDEATHSIG = 1


def dies_with_parent() -> None:
    # The real component is killed when this process dies, even while it is stopped.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def strike(line: str, child: subprocess.Popen[str] | None) -> None:
    if '"dryRun": true' in line:
        return
    if POISON in line:
        if child is not None:
            child.kill()
        os.kill(os.getpid(), signal.SIGKILL)
    if KILL_WORKER in line:
        os.kill(os.getppid(), signal.SIGKILL)
        if child is not None:
            child.kill()
        os.kill(os.getpid(), signal.SIGKILL)
    if HANG in line:
        if child is not None:
            child.send_signal(signal.SIGSTOP)
        threading.Event().wait()


def main() -> int:
    arguments = sys.argv[1:]
    if not arguments or arguments[0] not in ("serve", "invoke"):
        os.execv(REAL, [REAL, *arguments])
    if arguments[0] == "invoke":
        request = sys.stdin.read()
        strike(request, None)
        return subprocess.run([REAL, *arguments], input=request, text=True, check=False).returncode
    child = subprocess.Popen([REAL, *arguments], stdin=subprocess.PIPE, text=True, bufsize=1, preexec_fn=dies_with_parent)
    assert child.stdin is not None
    for line in sys.stdin:
        strike(line, child)
        child.stdin.write(line)
        child.stdin.flush()
    child.stdin.close()
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
