"""Airflow as it is deployed, on loopback, for test_airflow_cluster.py: PostgreSQL as the metadata
database, `airflow db migrate`, then the scheduler, the DAG processor, the triggerer, the API
server and Celery workers of the CeleryExecutor, each a process of its own started in its own
session, so that it (with its task processes, which Airflow puts in process groups of their own)
can be stopped or killed whole by its pid. Airflow runs from the virtual environment
scripts/airflow-cluster-env.sh makes, with the provider installed into it from a wheel."""

from __future__ import annotations

import json
import os
import pathlib
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from conftest import ROOT, free_port, wait_until

#: The PostgreSQL that scripts/install-deps.sh --test installs (Debian's postgresql-15).
POSTGRES_BIN = pathlib.Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))

#: A worker's `[core] hostname_callable`: the name its environment gives it, which Airflow records
#: on the task instances the worker runs.
HOSTNAME_MODULE = "airflow_cluster_hostname"
HOSTNAME_VARIABLE = "AIRFLOW_CLUSTER_WORKER_NAME"
HOSTNAME_SOURCE = f"""import os
import socket


def hostname() -> str:
    return os.environ.get("{HOSTNAME_VARIABLE}") or socket.getfqdn()
"""


def session_members(session: int) -> list[int]:
    """The pids of every process in `session` (field 6 of /proc/PID/stat), task processes
    included, whatever process group Airflow moved them to."""
    members = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # The command name, in parentheses, may hold spaces: the fields follow its last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == session:
            members.append(int(entry.name))
    return members


def session_of(pid: int) -> int | None:
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[3])


def kill_session(session: int) -> int:
    """SIGKILL to every process of `session`, as a machine's death would; how many there were."""
    members = session_members(session)
    for pid in members:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(members)


def run_tool(command: list[str], timeout: float, environment: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """`command` to its end, its output captured, in a session of its own that is killed whole on a
    timeout (or an interruption): `subprocess.run(timeout=...)` kills only the direct child, and a
    tool that execs into another program (build-wheel.py) or spawns builds (pip) would leave the
    rest running."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        kill_session(process.pid)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pass  # a process that left the session still holds the pipes: its output is not needed
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def stop_all(services: list["Service"]) -> None:
    """Stops each of `services` in its own try/finally: one that fails to stop leaves none of the
    others running (its error is raised once the rest are stopped)."""
    if not services:
        return
    try:
        services[0].stop()
    finally:
        stop_all(services[1:])


def tail(path: pathlib.Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as error:
        return f"({error})"
    return "\n".join(text[-lines:])


@dataclass
class Service:
    """One long-running process, the leader of its own session, its output in `log`."""

    name: str
    process: subprocess.Popen[bytes]
    log: pathlib.Path
    #: Killed on purpose by the test: its end is no failure.
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 20) -> None:
        """SIGTERM to its process group, then SIGKILL to whatever is left of its session."""
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        kill_session(self.pid)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def start_service(name: str, command: list[str], environment: dict[str, str], logs: pathlib.Path) -> Service:
    log = logs / f"{name}.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Service(name, process, log)


@dataclass
class Postgres:
    """A PostgreSQL cluster of its own in a temporary directory, on a loopback port, run as the
    `postgres` user when this is root (it refuses to run as root)."""

    logs: pathlib.Path
    port: int = field(default_factory=free_port)
    directory: pathlib.Path = field(default_factory=lambda: pathlib.Path(tempfile.mkdtemp(prefix="airflow-postgres-")))
    service: Service | None = None

    def _as_owner(self, command: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return command
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> "Postgres":
        if not (POSTGRES_BIN / "postgres").exists():
            raise AssertionError(f"{POSTGRES_BIN}/postgres is missing: `make test-deps` installs postgresql-15")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        data = self.directory / "data"
        initdb = run_tool(
            self._as_owner([str(POSTGRES_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                            "-E", "UTF8", "--no-sync"]), timeout=120)
        assert initdb.returncode == 0, f"initdb failed:\n{initdb.stdout}\n{initdb.stderr}"
        # Durability is not under test here (the ledger's Redis is the durable store): no fsync.
        self.service = start_service("postgres", self._as_owner([
            str(POSTGRES_BIN / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.directory),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "max_connections=300"]), dict(os.environ), self.logs)

        def ready() -> bool:
            assert self.service is not None and self.service.alive(), f"postgres ended:\n{tail(self.service.log)}"
            return run_tool([str(POSTGRES_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                            timeout=10).returncode == 0

        wait_until(ready, 60, "postgres", interval=0.3)
        return self

    def stop(self) -> None:
        try:
            if self.service is not None and self.service.alive():
                # SIGINT: PostgreSQL's fast shutdown (SIGTERM waits for every client to leave).
                os.kill(self.service.pid, signal.SIGINT)
                try:
                    self.service.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            try:
                if self.service is not None:
                    self.service.stop()
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)


class ApiError(AssertionError):
    """The Airflow REST API answered an error."""


@dataclass
class AirflowCluster:
    """The Airflow components on one machine, from the virtual environment whose python is `python`,
    configured only through `environment` (AIRFLOW__SECTION__KEY variables), as a container image
    would be."""

    python: pathlib.Path
    home: pathlib.Path
    logs: pathlib.Path
    environment: dict[str, str]
    api_port: int
    user: str = "tester"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    services: list[Service] = field(default_factory=list)
    _token: str | None = None

    @property
    def airflow(self) -> str:
        return str(self.python.parent / "airflow")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @classmethod
    def configure(cls, python: pathlib.Path, directory: pathlib.Path, dags: pathlib.Path, logs: pathlib.Path,
                  database: str, broker: str, result_backend: str, extra: dict[str, str]) -> "AirflowCluster":
        """AIRFLOW_HOME in `directory`, the services' output in `logs`, `extra` added to the environment."""
        home = directory / "home"
        home.mkdir()
        api_port = free_port()
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("AIRFLOW", "TWILIO_", "COMPONENT_", "CELERY_", "VIRTUAL_ENV"))}
        environment.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database,
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
            # The one secret every component that issues or checks the tasks' JWTs shares.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "tester:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
            # The REST API's connection test (off by default), which runs the hook's test_connection.
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            # A killed worker's task is failed (and retried) 20 s after its last heartbeat, not 5 min.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
            **extra,
        })
        cluster = cls(python, home, logs, environment, api_port)
        (home / "passwords.json").write_text(json.dumps({cluster.user: cluster.password}))
        (home / "hostname").mkdir()
        (home / "hostname" / f"{HOSTNAME_MODULE}.py").write_text(HOSTNAME_SOURCE)
        return cluster

    def run(self, *arguments: str, timeout: float = 300) -> str:
        """An `airflow` CLI command to its end; its output, or an AssertionError with it."""
        completed = run_tool([self.airflow, *arguments], timeout, self.environment)
        assert completed.returncode == 0, (f"airflow {' '.join(arguments)} exited {completed.returncode}:\n"
                                           f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
        return completed.stdout

    def start(self, name: str, *arguments: str, environment: dict[str, str] | None = None) -> Service:
        service = start_service(name, [self.airflow, *arguments], {**self.environment, **(environment or {})},
                                self.logs)
        self.services.append(service)
        return service

    def start_worker(self, name: str, concurrency: int) -> Service:
        """A Celery worker whose task instances Airflow records with `name` as their hostname (both
        workers are on this one machine, whose own name would not tell them apart); it serves its
        task logs on a port of its own."""
        return self.start(name, "celery", "worker", "--celery-hostname", f"{name}@airflow-cluster-test",
                          "--concurrency", str(concurrency), environment={
                              "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                              "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{HOSTNAME_MODULE}.hostname",
                              "PYTHONPATH": os.pathsep.join(
                                  filter(None, [str(self.home / "hostname"), self.environment.get("PYTHONPATH")])),
                              HOSTNAME_VARIABLE: name})

    def stop(self) -> None:
        # Workers first, so that no task starts while the services it needs are going.
        stop_all(sorted(self.services, key=lambda s: not s.name.startswith("worker")))

    def check_alive(self) -> None:
        dead = [s for s in self.services if not s.alive() and not s.killed]
        assert not dead, "\n".join(f"{s.name} exited {s.process.returncode}:\n{tail(s.log)}" for s in dead)

    def print_logs(self, lines: int = 60) -> None:
        for log in sorted(self.logs.glob("*.log")):
            print(f"----- {log.name} (last {lines} lines) -----\n{tail(log, lines)}")
        for log in sorted((self.home / "logs").rglob("*.log")):
            print(f"----- task log {log.relative_to(self.home / 'logs')} -----\n{tail(log, lines)}")

    # The REST API (/api/v2), as a user of the simple auth manager with a JWT from /auth/token.

    def _request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raise ApiError(f"{method} {path}: {error.code} {error.read().decode(errors='replace')[:2000]}") from None
        return json.loads(text) if text else None

    def token(self) -> str:
        if self._token is None:
            answer = self._request("POST", "/auth/token", {"username": self.user, "password": self.password})
            self._token = str(answer["access_token"])
        return self._token

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self._request(method, f"/api/v2{path}", body, self.token())

    def wait_for_api(self, timeout: float = 120) -> None:
        def healthy() -> bool:
            self.check_alive()
            try:
                return bool(self._request("GET", "/api/v2/monitor/health"))
            except (OSError, ApiError):
                return False

        wait_until(healthy, timeout, "the API server", interval=0.5)

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"))

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        def ended() -> dict[str, Any] | None:
            self.check_alive()
            run = self.dag_run(dag_id, run_id)
            return run if run["state"] in ("success", "failed") else None

        return dict(wait_until(ended, timeout, f"DAG run {run_id} to end", interval=1))


def find_task_process(ti_id: str) -> int | None:
    """The pid of a process whose command line names the task instance (the task runner's title is
    `airflow worker -- <ti id>`; the Celery task supervisor's names its workload)."""
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if ti_id in command:
            return int(entry.name)
    return None


def wheel(out: pathlib.Path) -> pathlib.Path:
    """The platform wheel of the adapters with the debug twilio-component inside, as
    scripts/build-wheel.py builds it (it prints the wheel's path on its last line)."""
    executable = ROOT / ".build" / "debug" / "twilio-component"
    completed = run_tool(["python3", str(ROOT / "scripts" / "build-wheel.py"), "--executable", str(executable),
                          "--out", str(out), "--no-repair"], timeout=600)
    assert completed.returncode == 0, f"build-wheel.py failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    path = pathlib.Path(completed.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.suffix == ".whl", f"build-wheel.py printed no wheel: {completed.stdout[-500:]}"
    return path


def airflow_python() -> pathlib.Path:
    """The python of .venv-airflow (AIRFLOW_CLUSTER_PYTHON, as make sets it, else from the script)."""
    given = os.environ.get("AIRFLOW_CLUSTER_PYTHON")
    if given:
        return pathlib.Path(given)
    completed = run_tool([str(ROOT / "scripts" / "airflow-cluster-env.sh")], timeout=1200)
    assert completed.returncode == 0, f"airflow-cluster-env.sh failed:\n{completed.stderr[-3000:]}"
    return pathlib.Path(completed.stdout.strip().splitlines()[-1])


def install_wheel(python: pathlib.Path, path: pathlib.Path) -> None:
    completed = run_tool([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "--no-deps", "--force-reinstall", str(path)], timeout=600)
    assert completed.returncode == 0, f"pip install {path.name} failed:\n{completed.stderr[-3000:]}"

