#!/usr/bin/env bash
# Decompression bombs through `mitmfixture record` (issue 16): 1 MB of gzip that expands to 1 GiB,
# answered by a server and, separately, uploaded by a client. Prints each request's time next to
# a normal answer's, and the recording proxy's peak resident memory (VmHWM) after each step.
# Needs: python3, curl, the .NET SDK.
# Usage: bench/decode-bomb.sh [decode_limit, default 64m]
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-64m}"
out="bench/out/decode-bomb"
mkdir -p "$out"
UP=18481
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null

[ -s "$out/bomb.gz" ] || python3 - "$out/bomb.gz" <<'PY'
import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
chunk = bytes(1 << 20)
with open(sys.argv[1], "wb") as f:
    for _ in range(1024):
        f.write(c.compress(chunk))
    f.write(c.flush())
PY

python3 - "$out/bomb.gz" $UP <<'PY' & server=$!
import sys, http.server
bomb = open(sys.argv[1], "rb").read()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def answer(self, body, encoding=None):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if encoding: self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.answer(bomb, "gzip") if self.path == "/bomb" else self.answer(b"small")
    def do_POST(self):
        n = len(self.rfile.read(int(self.headers["Content-Length"])))
        self.answer(b"got %d bytes" % n)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
PY

cli="src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll"
dotnet "$cli" record -o "$out/bomb.json" -q --listen 127.0.0.1:0 --set confdir="$out/ca" --set decode_limit="$limit" >"$out/record.out" 2>"$out/record.err" & proxy=$!
trap 'kill $server $proxy 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -qo 'http://127.0.0.1:[0-9]*' "$out/record.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/record.out" | head -1)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$UP) 2>/dev/null && break; sleep 0.1; done

peak() { awk '/VmHWM/ {printf "%d MB", $2 / 1024}' /proc/$proxy/status; }
step() { # name, curl arguments...
  local name=$1; shift
  local t; t=$(curl -s -o /dev/null -w '%{time_total}' -x "$url" "$@")
  printf '%-22s %6.0f ms   peak RSS %s\n' "$name" "$(echo "$t * 1000" | bc)" "$(peak)"
}
echo "decode_limit=$limit, bomb $(stat -c %s "$out/bomb.gz") bytes of gzip -> 1 GiB"
step "warm-up (small)" "http://127.0.0.1:$UP/small"
step "normal answer" "http://127.0.0.1:$UP/small"
step "server sends bomb" "http://127.0.0.1:$UP/bomb"
step "client sends bomb" -H 'Content-Encoding: gzip' -H 'Content-Type: text/plain' --data-binary @"$out/bomb.gz" "http://127.0.0.1:$UP/upload"
kill -TERM $proxy; wait $proxy || true
tail -1 "$out/record.err"
grep -c 'expands past the decoding limit' "$out/bomb.json" | sed 's/^/bodies kept encoded in the cassette: /'
