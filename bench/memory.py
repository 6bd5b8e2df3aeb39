#!/usr/bin/env python3
"""Peak resident memory of the proxy per buffered-body and WebSocket-message case (issue 19, item 2).

For each case a fresh proxy is started (its command line is argv[1:], with {port} replaced), warmed
up, and its VmHWM (peak RSS) read after the case, minus the RSS before it. The origin is an asyncio
server here: POST reads and drops the body; GET /bytes/N answers N bytes with a Content-Length;
GET /ws upgrades to a WebSocket (RFC 6455, framed here by hand: no websockets package needed) that
reads a message, drops it and answers "ok". Bounded: 200 MiB bodies, a 100 MiB message, 60 s a case.
"""
import asyncio, base64, hashlib, os, socket, struct, subprocess, sys, time

MIB = 1024 * 1024
SIZE = 200 * MIB
WS_SIZE = 100 * MIB
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
            if target.endswith("/ws"):
                await websocket_origin(reader, writer, headers["sec-websocket-key"])
                return
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


async def websocket_origin(reader, writer, key):
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    writer.write(f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode())
    await writer.drain()
    while True:
        fin, opcode, _ = await read_frame(reader, drop=True)
        if opcode == 0x8:
            return
        if fin:
            writer.write(frame(0x1, b"ok", masked=False))
            await writer.drain()


async def read_frame(reader, drop):
    """One frame: (fin, opcode, payload); with drop, a data payload is read in 1 MiB pieces and not kept."""
    b0, b1 = await reader.readexactly(2)
    length = b1 & 0x7F
    if length == 126:
        length = struct.unpack(">H", await reader.readexactly(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", await reader.readexactly(8))[0]
    if b1 & 0x80:
        await reader.readexactly(4)  # the proxy's mask key; the payload is not looked at
    if drop and length > 125:
        while length:
            length -= len(await reader.read(min(length, MIB)))
        return b0 & 0x80, b0 & 0x0F, b""
    return b0 & 0x80, b0 & 0x0F, await reader.readexactly(length)


def frame(opcode, payload_length_or_bytes, masked, fin=True):
    """A frame header (and payload when given bytes). Masked with the all-zero key (RFC 6455 §5.3
    allows any key), so a 100 MiB payload need not be XORed in Python."""
    payload = payload_length_or_bytes if isinstance(payload_length_or_bytes, bytes) else b""
    length = len(payload) if payload else payload_length_or_bytes
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([bit | length])
    elif length < 65536:
        head += bytes([bit | 126]) + struct.pack(">H", length)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", length)
    return head + (b"\0\0\0\0" if masked else b"") + payload


async def websocket_message(port, origin_port, fragment_size):
    """Sends one WS_SIZE message through the proxy (one frame, or frames of fragment_size) and waits for the origin's "ok"."""
    reader, writer = await open_proxy(port)
    writer.write(f"GET http://127.0.0.1:{origin_port}/ws HTTP/1.1\r\nHost: 127.0.0.1:{origin_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    sent = 0
    while sent < WS_SIZE:
        size = min(fragment_size, WS_SIZE - sent)
        writer.write(frame(0x2 if sent == 0 else 0x0, size, masked=True, fin=sent + size == WS_SIZE))
        for _ in range(size // MIB):
            writer.write(BLOCK)
            await writer.drain()
        sent += size
    _, opcode, payload = await read_frame(reader, drop=False)
    assert (opcode, payload) == (0x1, b"ok"), (opcode, payload)
    writer.write(frame(0x8, b"\x03\xe8", masked=True))
    await writer.drain()
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


async def run_case(name, command, case, size=SIZE):
    port = free_port()
    if "-w" in command and os.path.exists(command[command.index("-w") + 1]):
        os.remove(command[command.index("-w") + 1])  # the last case's cassette must not pass for this one's
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
        await asyncio.sleep(3)  # the flow may finish (and be recorded) just after the client is done
        note = await wait_for_cassette(command, size)
        peak = status(proxy.pid, "VmHWM") - base
        print(f"{name:<44} peak +{peak / MIB:7.0f} MiB   {peak / size:4.2f}x one body{note}")
        server.close()
    finally:
        proxy.kill()
        proxy.wait()


async def wait_for_cassette(command, size):
    """With -w, waits (up to 60 s) until the cassette holds the body (as base64: more bytes than the
    body), so the peak includes the writer's whole cost, not only what it had done after 3 s."""
    if "-w" not in command:
        return ""
    path = command[command.index("-w") + 1]
    started = time.monotonic()
    while time.monotonic() - started < 60:
        if os.path.exists(path) and os.path.getsize(path) >= size:
            return f"   (cassette {os.path.getsize(path) / MIB:.0f} MiB, written {3 + time.monotonic() - started:.1f} s after the client was done)"
        await asyncio.sleep(0.2)
    return "   (cassette still incomplete 60 s after the client was done: a lower bound)"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


CASES = [
    ("chunked upload, 200 MiB, buffered", lambda p, o: upload(p, o, True), SIZE),
    ("Content-Length upload, 200 MiB, buffered", lambda p, o: upload(p, o, False), SIZE),
    ("one 200 MiB response, read", lambda p, o: download(p, o, True), SIZE),
    ("three 200 MiB responses, never read", lambda p, o: asyncio.gather(*(download(p, o, False) for _ in range(3))), SIZE),
    ("one 100 MiB WebSocket message, one frame", lambda p, o: websocket_message(p, o, WS_SIZE), WS_SIZE),
    ("one 100 MiB WebSocket message, 1 MiB frames", lambda p, o: websocket_message(p, o, MIB), WS_SIZE),
]


async def main(command):
    # MEMORY_CASES="upload,WebSocket" runs only the cases whose names contain one of the words.
    only = [w for w in os.environ.get("MEMORY_CASES", "").split(",") if w]
    for name, case, size in CASES:
        if not only or any(w in name for w in only):
            await run_case(name, command, case, size)


asyncio.run(main(sys.argv[1:]))
