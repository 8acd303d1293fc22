"""Issue 18, finding 2: slow clients must not keep kiosks out of the plain-HTTP hall (waitress).

A slow-header (slowloris) client opens connections and sends a request's first bytes, then next to nothing.
waitress used to stop accepting at 100 connections, so 120 such connections refused every kiosk.
"""

from __future__ import annotations

import socket
from contextlib import ExitStack

from hall_server.server import HallServer
from tests.fixtures.hall import start_live_hall

PARTIAL_REQUEST = b"POST /v1/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nX-Slow: "


def _slow_connections(stack: ExitStack, port: int, count: int) -> list[socket.socket]:
    connections = []
    for _ in range(count):
        connection = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
        connection.sendall(PARTIAL_REQUEST)
        connections.append(connection)
    return connections


def test_finding_2_a_kiosk_is_served_while_150_slow_header_connections_are_open(hall_server):
    with ExitStack() as stack:
        _slow_connections(stack, hall_server.server.port, 150)
        client = hall_server.client(connect_timeout=2, read_timeout=5, retries=0)
        assert client.issue_ticket("social").number == "A001"
        client.close()


def test_finding_2_at_the_connection_limit_the_oldest_unfinished_connections_make_room(tmp_path):
    """GIVEN a hall limited to 20 connections and 40 slow-header connections THEN a kiosk is still served: the
    oldest unfinished connections are closed to make room."""
    hall = start_live_hall(tmp_path)
    hall.server.stop()
    server = HallServer(hall.server.config, port=0, connection_limit=20, demo=False).start()
    try:
        with ExitStack() as stack:
            _slow_connections(stack, server.port, 40)
            hall.base_url = server.base_url
            client = hall.client(connect_timeout=2, read_timeout=5, retries=0)
            assert client.issue_ticket("social").number == "A001"
            client.close()
    finally:
        server.stop()


def test_finding_2_a_request_still_unfinished_at_its_deadline_is_dropped(tmp_path):
    hall = start_live_hall(tmp_path)
    hall.server.stop()
    server = HallServer(hall.server.config, port=0, request_deadline=0.5, demo=False).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
            slow.sendall(PARTIAL_REQUEST)
            slow.sendall(b"a")                       # still trickling: a per-read timeout would never fire
            assert slow.recv(1) == b""               # closed by the hall, well before this socket's timeout
    finally:
        server.stop()
