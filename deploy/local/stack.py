"""Start the whole system on one machine: servers (embedded unless given),
topics, demo data, the six services. Used by ``make run`` and by the
end-to-end tests, so both exercise the same start-up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.contracts.topics import Topics
from shared.kafka import ensure_topics
from shared.settings import DEMO_SECRET

from . import demo, servers

SERVICES = ("upload", "validation", "applications", "dashboard", "groups", "transactions", "gateway")
DEFAULT_PORTS = {
    "gateway": 8000,
    "upload": 8001,
    "validation": 8002,
    "applications": 8003,
    "dashboard": 8004,
    "groups": 8005,
    "transactions": 8006,
}


@dataclass
class Stack:
    env: dict[str, str]
    ports: dict[str, int]
    log_dir: Path
    embedded: servers.EmbeddedServers | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start_service(self, name: str, service: str | None = None, port: int | None = None) -> subprocess.Popen:
        """Start one service process (again, after it stopped; or another
        instance) and return once it answers its health check.

        ``name`` is its key in ``procs`` and ``ports`` and the name of its
        log; ``service`` the package (``services.<service>``), ``name`` by
        default. A second instance of a service takes a name and a port of
        its own and the stack's environment as it is: the same database and
        consumer groups as the first.
        """
        if name in self.procs and self.procs[name].poll() is None:
            raise RuntimeError(f"{name} is running already (pid {self.procs[name].pid})")
        if port is not None:
            self.ports[name] = port
        self.procs[name] = self._spawn(name, service or name)
        wait_healthy(self, name)
        return self.procs[name]

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 30.0) -> int:
        """Send one service process ``sig`` (SIGKILL: a crash) and wait until it
        has exited; returns its exit code. ``start_service(name)`` starts it again."""
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(sig)
        return proc.wait(timeout=timeout)

    def _spawn(self, name: str, service: str) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        try:
            return subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"],
                env={**self.env, "HTTP_PORT": str(self.ports[name])},
                cwd=servers.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()  # the child has its own descriptor

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.embedded is not None:
            self.embedded.stop()


def infra_env(data_dir: Path, given: dict[str, str]) -> tuple[dict[str, str], servers.EmbeddedServers | None]:
    """Servers given (environment or caller) when both are, else the embedded ones."""
    if given.get("KAFKA_BOOTSTRAP_SERVERS") and given.get("MONGODB_URI"):
        return {"KAFKA_BOOTSTRAP_SERVERS": given["KAFKA_BOOTSTRAP_SERVERS"], "MONGODB_URI": given["MONGODB_URI"]}, None
    embedded = servers.start(data_dir)
    return {"KAFKA_BOOTSTRAP_SERVERS": embedded.kafka_bootstrap, "MONGODB_URI": embedded.mongodb_uri}, embedded


def wants_demo_data(env: dict[str, str]) -> bool:
    """Demo users and the demo book of business exist only in demo mode."""
    return env.get("APP_ENV") == "demo"


def start_stack(
    data_dir: Path,
    ports: dict[str, int] | None = None,
    extra_env: dict[str, str] | None = None,
    demo_data: bool | None = None,
) -> Stack:
    """Start everything; returns once every service answers its health check."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **(extra_env or {})}
    infra, embedded = infra_env(data_dir, env)
    env.update(infra)
    if embedded is not None:
        env.setdefault("APP_ENV", "demo")
    demo_data = wants_demo_data(env) if demo_data is None else demo_data
    ports = ports or DEFAULT_PORTS
    env["UPLOAD_URL"] = f"http://127.0.0.1:{ports['upload']}"
    env["DASHBOARD_URL"] = f"http://127.0.0.1:{ports['dashboard']}"
    env["APPLICATIONS_URL"] = f"http://127.0.0.1:{ports['applications']}"
    env["GROUPS_URL"] = f"http://127.0.0.1:{ports['groups']}"
    env["TRANSACTIONS_URL"] = f"http://127.0.0.1:{ports['transactions']}"
    # Every client of a local stack (the browser, the end-to-end tests) comes
    # from 127.0.0.1: the gateway's per-address sign-in lock would lock them
    # all out at once. The per-user-name lock stays as it is.
    env.setdefault("SIGN_IN_ADDRESS_FAILURES", "1000")
    stack = Stack(env, dict(ports), data_dir / "logs", embedded)  # a copy: start_service may add instances
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(_prepare(env, demo_data))
        for name in SERVICES:
            stack.procs[name] = stack._spawn(name, name)
        # In this order: the gateway is ready only once the services it calls are.
        for name in SERVICES:
            wait_healthy(stack, name)
    except BaseException:
        stack.stop()
        raise
    return stack


async def _prepare(env: dict[str, str], demo_data: bool) -> None:
    prefix = env.get("TOPIC_PREFIX", "")
    await ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], Topics(prefix).all() + Topics(prefix).dead_letters())
    if demo_data:
        await demo.publish_reference(env["KAFKA_BOOTSTRAP_SERVERS"], prefix, env.get("PII_HASH_KEY", DEMO_SECRET))
        await demo.publish_transactions(env["KAFKA_BOOTSTRAP_SERVERS"], prefix, env.get("PII_HASH_KEY", DEMO_SECRET))
        await demo.seed_transactions(env["MONGODB_URI"], "transactions", env.get("PII_HASH_KEY", DEMO_SECRET))
        await demo.seed_users(env["MONGODB_URI"], "gateway", env.get("SESSION_SECRET", DEMO_SECRET))


def wait_healthy(stack: Stack, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    proc = stack.procs[name]
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = (stack.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"service {name} exited with code {proc.returncode}:\n{log}")
        try:
            answer = httpx.get(f"{stack.url(name)}/healthz", timeout=1)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"  # the gateway's names what it waits for
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"service {name} did not become healthy within {timeout}s (last /healthz: {last}); "
        f"see {stack.log_dir / (name + '.log')}"
    )
