#!/usr/bin/env python3
"""Memory per idle TLS client connection through a running reverse-mode proxy: h2 against HTTP/1.1.

For each protocol in turn: opens N TLS connections to the proxy (ALPN offering only that protocol),
makes one GET /body.txt on each and keeps them all open and silent, then reads the proxy's resident
memory (VmRSS, lowest of a few samples) and closes them. Reports the RSS above the baseline taken
just before, per connection. Each connection also holds the proxy's connection to the origin.
Bounded: N connections per protocol, 30 s of socket timeout each.
Usage: h2idle.py PROXY_PID PROXY_PORT [N=1000]
"""
import socket, ssl, sys, time

import h2.config
import h2.connection
import h2.events

pid, port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000


def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("proxy is gone")


def settle():
    samples = []
    for _ in range(6):
        time.sleep(0.5)
        samples.append(rss_kib())
    return min(samples)


def connect(alpn):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the proxy's own CA; this measures memory, not trust
    context.set_alpn_protocols([alpn])
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="localhost")
    assert sock.selected_alpn_protocol() == alpn, sock.selected_alpn_protocol()
    return sock


def http11():
    sock = connect("http/1.1")
    sock.sendall(b"GET /body.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 1024:
        chunk = sock.recv(65536)
        assert chunk, "closed"
        data += chunk
    return sock, None


def http2():
    sock = connect("h2")
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "GET"), (":scheme", "https"), (":authority", "localhost"), (":path", "/body.txt")], end_stream=True)
    sock.sendall(conn.data_to_send())
    done = False
    while not done:
        chunk = sock.recv(65536)
        assert chunk, "closed"
        for event in conn.receive_data(chunk):
            if isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if isinstance(event, h2.events.StreamEnded):
                done = True
        sock.sendall(conn.data_to_send())
    return sock, conn


def measure(name, open_one):
    for _ in range(20):  # warm-up: JIT, pools, the leaf certificate
        open_one()[0].close()
    time.sleep(1)
    baseline = settle()
    kept = [open_one() for _ in range(count)]
    held = settle()
    for sock, _ in kept:
        sock.close()
    per = (held - baseline) * 1024 / count
    print(f"  {name:9} {count} connections: RSS +{(held - baseline) / 1024:.1f} MiB, {per / 1024:.1f} KiB per connection")
    time.sleep(2)
    return per


per_http11 = measure("HTTP/1.1", http11)
per_h2 = measure("h2", http2)
print(f"  h2 / HTTP/1.1 per idle connection: {per_h2 / per_http11:.2f}x (target <= 2x)")
