"""Start a real server as a child process on a free loopback port, wait for it, stop it by PID.

Used by ``relaypacs up`` and by the test fixtures.  Each server picks a port at run time
(another process may hold the "usual" one), is polled until it answers, and is watched
while it starts: a child that exits early (a busy port, a bad config) is reported with the
tail of its log instead of a hang.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


class ServerFailed(RuntimeError):
    """A server did not come up; the message carries the tail of its log."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


@dataclass(kw_only=True)
class ManagedServer:
    """A child process serving HTTP on ``port``; subclasses say how to start and probe it."""

    name: str
    workdir: Path
    port: int = 0
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, repr=False)
    ready_timeout: float = 30.0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    # subclasses -------------------------------------------------------------------------------

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def prepare(self) -> None:
        """Write config files before the process starts."""

    def probe(self, client: httpx.Client) -> bool:
        """True once the server answers as ready."""
        return client.get(self.url + "/").status_code == 200

    # lifecycle --------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, attempts: int = 3) -> ManagedServer:
        """Start on a free port (a new one per attempt if the chosen one was taken)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        fixed_port = self.port
        last: Exception | None = None
        for _ in range(attempts):
            if not fixed_port:
                self.port = free_port(self.host)
            try:
                self._start_once()
                return self
            except ServerFailed as exc:
                last = exc
                self.stop()
                if fixed_port:
                    break
        raise ServerFailed(str(last))

    def _start_once(self) -> None:
        self.prepare()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerFailed(
                        f"{self.name} exited with {self.process.returncode}: {self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if self.probe(client):
                        return
                time.sleep(0.1)
        raise ServerFailed(f"{self.name} not ready after {self.ready_timeout}s: {self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL after ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would (fault-injection tests)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port (clients keep their URL)."""
        self.stop()
        self._start_once()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> ManagedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
