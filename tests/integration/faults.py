"""Fault injection on loopback: a TCP proxy that cuts connections at random."""

from __future__ import annotations

import random
import select
import socket
import threading


class DroppingProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target_port``; cuts a share of the connections.

    A cut connection is closed either before the request reaches the server or after the
    server answered but before the client hears the answer (the nasty case for exactly-once).
    ``drop_rate`` can be changed while running (0 = a perfect network).
    """

    def __init__(self, target_port: int, drop_rate: float = 0.3, seed: int = 1) -> None:
        self.target_port = target_port
        self.drop_rate = drop_rate
        self.rng = random.Random(seed)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.cuts = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> DroppingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            mode = "ok"
            if self.rng.random() < self.drop_rate:
                mode = self.rng.choice(["before", "after"])
            threading.Thread(target=self._pump, args=(client, mode), daemon=True).start()

    def _pump(self, client: socket.socket, mode: str) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        except OSError:
            client.close()
            return
        socks = [client, upstream]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 60)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is client:
                        if mode == "before":
                            self.cuts += 1
                            return
                        upstream.sendall(data)
                    else:
                        if mode == "after":
                            self.cuts += 1
                            return
                        client.sendall(data)
        except OSError:
            return
        finally:
            for s in socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
