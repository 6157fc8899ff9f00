"""A hostile network between client and service, in-test: a loopback TCP proxy that, per
request, passes, adds latency, resets the connection, stalls, or forwards the request and then
drops the connection once the service has answered (the service committed; the client never
hears). Threads, bounded: at most `max_connections` at once, stalls end after `stall_s`."""

from __future__ import annotations

import enum
import random
import selectors
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass


class Fault(enum.StrEnum):
    PASS = "pass"
    LATENCY = "latency"
    RESET = "reset"
    STALL = "stall"
    DROP_REPLY = "drop_reply"


@dataclass
class FaultPlan:
    """Probabilities per request; what is left over passes."""

    latency: float = 0.0
    reset: float = 0.0
    stall: float = 0.0
    drop_reply: float = 0.0

    def pick(self, rng: random.Random) -> Fault:
        roll = rng.random()
        for fault, p in ((Fault.RESET, self.reset), (Fault.STALL, self.stall),
                         (Fault.DROP_REPLY, self.drop_reply), (Fault.LATENCY, self.latency)):
            if roll < p:
                return fault
            roll -= p
        return Fault.PASS


def _abort(sock: socket.socket) -> None:
    """Close with RST instead of FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class FaultProxy:
    def __init__(self, upstream_port: int, *, seed: int = 0, stall_s: float = 5.0,
                 latency_s: tuple[float, float] = (0.02, 0.3), max_connections: int = 32) -> None:
        self.upstream_port = upstream_port
        self.plan = FaultPlan()
        self.injected: Counter[Fault] = Counter()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._stall_s = stall_s
        self._latency_s = latency_s
        self._slots = threading.BoundedSemaphore(max_connections)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._acceptor.join(5)
        for t in self._threads:
            t.join(self._stall_s + 2)
        self._listener.close()

    def heal(self) -> None:
        self.plan = FaultPlan()

    def _pick(self) -> Fault:
        with self._rng_lock:
            fault = self.plan.pick(self._rng)
            self.injected[fault] += 1
            return fault

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._slots.acquire(timeout=5):
                _abort(client)
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        try:
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                _abort(client)  # the service is down: the client sees a reset
                return
            self._pump(client, upstream)
        finally:
            self._slots.release()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, "client")
        selector.register(upstream, selectors.EVENT_READ, "upstream")
        dropping = False
        answered_at: float | None = None
        try:
            while not self._stopping.is_set():
                events = selector.select(timeout=0.05)
                if dropping and answered_at is not None and time.monotonic() - answered_at > 0.2:
                    _abort(client)  # the service answered; the client never hears it
                    return
                for key, _ in events:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if key.data == "upstream":
                        if dropping:
                            answered_at = time.monotonic()
                        else:
                            client.sendall(data)
                        continue
                    fault = Fault.PASS if dropping else self._pick()
                    if fault is Fault.RESET:
                        _abort(client)
                        return
                    if fault is Fault.STALL:
                        self._stopping.wait(self._stall_s)
                        _abort(client)
                        return
                    if fault is Fault.LATENCY:
                        time.sleep(self._rng.uniform(*self._latency_s))
                    if fault is Fault.DROP_REPLY:
                        dropping = True
                    upstream.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, upstream):
                try:
                    sock.close()
                except OSError:
                    pass
