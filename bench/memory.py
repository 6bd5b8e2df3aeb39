#!/usr/bin/env python3
"""Peak resident memory of the proxy per buffered-body case (issue 19, item 2).

For each case a fresh proxy is started (its command line is argv[1:], with {port} replaced), warmed
up, and its VmHWM (peak RSS) read after the case, minus the RSS before it. The origin is an asyncio
server here: POST reads and drops the body; GET /bytes/N answers N bytes with a Content-Length.
Bounded: 200 MiB bodies, a 60 s limit per case.
"""
import asyncio, os, socket, subprocess, sys, time

MIB = 1024 * 1024
SIZE = 200 * MIB
BLOCK = b"x" * MIB


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise SystemExit("proxy is gone")


async def origin(reader, writer):
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
            if "content-length" in headers:
                left = int(headers["content-length"])
                while left:
                    left -= len(await reader.read(min(left, MIB)))
            elif headers.get("transfer-encoding") == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            n = int(target.rsplit("/", 1)[1]) if "/bytes/" in target else 2
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n".encode())
            while n > 0:
                writer.write(BLOCK[:min(n, MIB)])
                n -= MIB
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def open_proxy(port):
    return await asyncio.open_connection("127.0.0.1", port)


async def upload(port, origin_port, chunked):
    reader, writer = await open_proxy(port)
    if chunked:
        writer.write(f"POST http://127.0.0.1:{origin_port}/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        for _ in range(SIZE // MIB):
            writer.write(b"100000\r\n" + BLOCK + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
    else:
        writer.write(f"POST http://127.0.0.1:{origin_port}/up HTTP/1.1\r\nHost: x\r\nContent-Length: {SIZE}\r\n\r\n".encode())
        for _ in range(SIZE // MIB):
            writer.write(BLOCK)
            await writer.drain()
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


async def download(port, origin_port, read_body):
    reader, writer = await open_proxy(port)
    writer.write(f"GET http://127.0.0.1:{origin_port}/bytes/{SIZE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    if read_body:
        left = SIZE
        while left:
            left -= len(await reader.read(MIB))
    else:
        await asyncio.sleep(8)  # the client does not read; the proxy should not pile the body up
    writer.close()


async def run_case(name, command, case):
    port = free_port()
    proxy = subprocess.Popen([a.replace("{port}", str(port)) for a in command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        server = await asyncio.start_server(origin, "127.0.0.1", 0)
        origin_port = server.sockets[0].getsockname()[1]
        reader, writer = await open_proxy(port)  # warm-up
        writer.write(f"GET http://127.0.0.1:{origin_port}/bytes/100 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await asyncio.sleep(1)
        base = status(proxy.pid, "VmRSS")
        await asyncio.wait_for(case(port, origin_port), 60)
        peak = status(proxy.pid, "VmHWM") - base
        print(f"{name:<40} peak +{peak / MIB:7.0f} MiB   {peak / SIZE:4.2f}x one body")
        server.close()
    finally:
        proxy.kill()
        proxy.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def main(command):
    await run_case("chunked upload, 200 MiB, buffered", command, lambda p, o: upload(p, o, True))
    await run_case("Content-Length upload, 200 MiB, buffered", command, lambda p, o: upload(p, o, False))
    await run_case("one 200 MiB response, read", command, lambda p, o: download(p, o, True))
    await run_case("three 200 MiB responses, never read", command,
                   lambda p, o: asyncio.gather(*(download(p, o, False) for _ in range(3))))


asyncio.run(main(sys.argv[1:]))
