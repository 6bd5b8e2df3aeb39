#!/usr/bin/env python3
"""Memory per idle keep-alive connection through a running proxy.

Starts a small asyncio HTTP/1.1 server (keep-alive, 13-byte answer), then opens N client
connections to the proxy in three steps and reads the proxy's resident memory (VmRSS) after
each: connected but silent, after one proxied request each (client and server side now idle,
kept alive), and after every connection closed. Bounded: N connections, a 120 s overall limit.
Usage: idle.py PROXY_PID PROXY_PORT [N=5000]
"""
import asyncio, os, sys, time

pid, proxy_port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n"


def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("proxy is gone")


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                return
            writer.write(ANSWER)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def request(reader, writer, origin_port):
    writer.write(f"GET http://127.0.0.1:{origin_port}/ HTTP/1.1\r\nHost: 127.0.0.1:{origin_port}\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(13)


async def settle():
    # Give the proxy's GC a moment; read the lowest of a few samples (RSS only shrinks on GC).
    samples = []
    for _ in range(6):
        await asyncio.sleep(0.5)
        samples.append(rss_kib())
    return min(samples)


async def main():
    origin = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)
    origin_port = origin.sockets[0].getsockname()[1]

    # Warm-up: JIT, pools, one certificate-free plain HTTP path.
    warm = [await asyncio.open_connection("127.0.0.1", proxy_port) for _ in range(50)]
    for reader, writer in warm:
        for _ in range(20):
            await request(reader, writer, origin_port)
    for _, writer in warm:
        writer.close()
    base = await settle()

    conns = []
    for i in range(count):
        conns.append(await asyncio.open_connection("127.0.0.1", proxy_port))
    silent = await settle()

    started = time.monotonic()
    for i in range(0, count, 200):
        await asyncio.gather(*(request(r, w, origin_port) for r, w in conns[i:i + 200]))
    took = time.monotonic() - started
    idle = await settle()

    for _, writer in conns:
        writer.close()
    closed = await settle()

    per = lambda kib: kib * 1024 / count / 1000
    print(f"connections            {count}")
    print(f"baseline RSS           {base / 1024:.1f} MiB")
    print(f"connected, silent      +{(silent - base) / 1024:.1f} MiB   {per(silent - base):.1f} KB each")
    print(f"after one request each +{(idle - base) / 1024:.1f} MiB   {per(idle - base):.1f} KB each (client + server connection)   {count / took:.0f} req/s")
    print(f"all closed             +{(closed - base) / 1024:.1f} MiB")


asyncio.run(asyncio.wait_for(main(), 120))
