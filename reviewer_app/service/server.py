"""Running the service: in a thread of this process (desktop demo, tests) or as the process.

`start_in_thread` binds the socket itself, so port 0 gives a free port that is known before
the server serves, and returns only once the server accepts connections.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from reviewer_app.service.app import create_app
from reviewer_app.service.context import Clock
from reviewer_app.service.settings import ServiceSettings


class RunningService:
    """A service serving on `url` until `stop()` (also a context manager)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, host: str,
                 port: int) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        ctx = getattr(self._server.config.app, "state", None)
        if ctx is not None and hasattr(ctx, "ctx"):
            ctx.ctx.db.dispose()

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket; TCP_NODELAY (inherited by accepted connections) avoids the 40 ms
    Nagle/delayed-ACK stall on keep-alive connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _config(settings: ServiceSettings, host: str, port: int,
            clock: Clock | None = None) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings, clock=clock), host=host, port=port, log_level="warning",
        access_log=False, lifespan="on", timeout_graceful_shutdown=5, server_header=False,
        date_header=False,  # the app's ServiceDate sets it from the service's clock
        log_config=None,  # uvicorn's loggers write through the process's own (logs.py)
    )


def start_in_thread(
    settings: ServiceSettings, *, host: str = "127.0.0.1", port: int = 0,
    startup_timeout: float = 30.0, clock: Clock | None = None,
) -> RunningService:
    """Starts the service in a daemon thread and waits until it serves. `clock` (tests)
    replaces the service's wall clock."""
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(settings, host, bound_port, clock))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starter below
            failure.append(exc)
        finally:
            sock.close()

    thread = threading.Thread(target=run, name=f"reviewer-service:{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        thread.join(5)
        raise RuntimeError(f"the service did not start: {failure[0] if failure else 'timeout'}")
    return RunningService(server, thread, host, bound_port)


def serve_forever(settings: ServiceSettings, *, host: str, port: int) -> None:
    """Runs the service in this process until SIGINT/SIGTERM."""
    sock = _bind(host, port)
    try:
        uvicorn.Server(_config(settings, host, port)).run(sockets=[sock])
    finally:
        sock.close()
