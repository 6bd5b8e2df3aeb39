#!/usr/bin/env bash
# HTTP/2 throughput, CPU per request and idle memory (issue 21 "Tests and numbers", issue 20 item 4):
# h2load in reverse mode through MitmFixture and through mitmproxy's mitmdump, both in front of the
# same h2 origin (nginx, TLS with ALPN h2 and http/1.1, 1 KiB file), TLS with ALPN h2 on the client side. Each case runs once
# per round, rounds interleaved, and the medians are reported (bench/proxy.sh's conventions).
# CPU per request = the proxy process's utime+stime (/proc/PID/stat) over the run, divided by the
# requests h2load completed. Then memory per idle connection: RSS of MitmFixture with N TLS client
# connections kept open after one request each, h2 against HTTP/1.1 (bench/h2idle.py).
# Needs: h2load (nghttp2-client), nginx with its http_v2 module (nginx-light has it), mitmdump
# (mitmproxy), python3 with the h2 package (python3-h2), openssl, the .NET SDK.
#   apt-get install nghttp2-client nginx-light mitmproxy python3-h2 openssl
# Run under the shared lock: flock /tmp/suite.lock bench/h2.sh
# MF_BASELINE=path/to/MitmFixture.Cli.dll adds a second MitmFixture (e.g. main's build) to every round, as in bench/proxy.sh.
# Usage: bench/h2.sh [duration-seconds, default 10] [clients, default 16] [streams per client, default 10] [rounds, default 3] [idle connections, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
clients="${2:-16}"
streams="${3:-10}"
rounds="${4:-3}"
idle="${5:-1000}"
out="bench/out/h2"
mkdir -p "$out/htdocs"
for tool in h2load nginx mitmdump dotnet openssl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install nghttp2-client nginx-light mitmproxy python3-h2 openssl)"; exit 1; }
done
[ "$(ulimit -n)" -ge $((idle * 3 + 100)) ] || ulimit -n $((idle * 3 + 100))

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
UPS=$(free_port); MFS=$(free_port); MDS=$(free_port); MBS=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  nginx -p "$PWD/$out" -c nginx.conf -s stop 2>/dev/null || true
}
trap cleanup EXIT

# 1. The origin: nginx, one worker, TLS with ALPN h2 and http/1.1 (the idle comparison needs both), a 1 KiB file.
mkdir -p "$out/logs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
head -c 1024 /dev/zero | tr '\0' 'x' > "$out/htdocs/body.txt"
cat > "$out/nginx.conf" <<CONF
worker_processes 1; error_log logs/error.log warn; pid logs/nginx.pid; events { worker_connections 8192; }
http {
  access_log off; default_type text/plain; keepalive_timeout 600s; http2_max_requests 10000000; keepalive_requests 10000000;
  server { listen 127.0.0.1:$UPS ssl http2; ssl_certificate cert.pem; ssl_certificate_key key.pem; root htdocs; }
}
CONF
nginx -p "$PWD/$out" -c nginx.conf

# 2. MitmFixture (Release build) and mitmdump, each as its plain reverse-mode dump, output to /dev/null.
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll dump --listen 127.0.0.1:$MFS \
  --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca" >/dev/null 2>"$out/mitmfixture.err" & pids+=($!)
declare -A pid_of=([mitmfixture]=$!)
if [ -n "${MF_BASELINE:-}" ]; then
  dotnet "$MF_BASELINE" dump --listen 127.0.0.1:$MBS \
    --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca" >/dev/null 2>"$out/baseline.err" & pids+=($!)
  pid_of[baseline]=$!
fi
mitmdump --listen-host 127.0.0.1 -p $MDS --mode reverse:https://127.0.0.1:$UPS -k --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!)
pid_of[mitmdump]=$!
declare -A port_of=([direct]=$UPS [mitmfixture]=$MFS [mitmdump]=$MDS [baseline]=$MBS)
cases=(direct mitmfixture ${MF_BASELINE:+baseline} mitmdump)
for port in $UPS $MFS $MDS ${MF_BASELINE:+$MBS}; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A rps cpu
run() { # name
  local name="$1" url="https://127.0.0.1:${port_of[$1]}/body.txt" pid="${pid_of[$1]:-}" before after report
  h2load -c "$clients" -m "$streams" -D 2 "$url" >/dev/null 2>&1 || true   # warm-up (JIT, connections)
  [ -n "$pid" ] && before=$(ticks "$pid")
  report=$(h2load -c "$clients" -m "$streams" -D "$duration" "$url" 2>&1)
  [ -n "$pid" ] && after=$(ticks "$pid")
  local r ok failed micros="-"
  r=$(awk '/^finished in/ {print $4}' <<<"$report")
  ok=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) print $i}' <<<"$report")
  failed=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^failed/) print $i}' <<<"$report")
  [ -n "$pid" ] && [ "${ok:-0}" -gt 0 ] && micros=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$ok" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  rps[$name]+="$r "; cpu[$name]+="$micros "
  printf '  %-12s %10s req/s   %8s ok %6s failed   CPU/request %s us\n' "$name" "$r" "$ok" "$failed" "$micros"
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | grep -v '^-$' | sort -g | awk '{a[NR]=$1} END { if (NR == 0) print "-"; else print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

for round in $(seq "$rounds"); do
  echo "== round $round: h2 over TLS, $clients clients x $streams streams, ${duration}s each"
  for name in "${cases[@]}"; do run "$name"; done
done

echo
echo "== medians of $rounds rounds"
for name in "${cases[@]}"; do
  printf '  %-12s %10s req/s   CPU/request %s us\n' "$name" "$(median "${rps[$name]}")" "$(median "${cpu[$name]}")"
done
echo "  MitmFixture / mitmdump req/s: $(ratio "$(median "${rps[mitmfixture]}")" "$(median "${rps[mitmdump]}")")x (target >= 20x)"
[ -n "${MF_BASELINE:-}" ] && echo "  baseline / mitmdump req/s: $(ratio "$(median "${rps[baseline]}")" "$(median "${rps[mitmdump]}")")x"
echo "  per round, MitmFixture / mitmdump: $(paste -d' ' <(tr ' ' '\n' <<<"${rps[mitmfixture]}" | grep -v '^$') <(tr ' ' '\n' <<<"${rps[mitmdump]}" | grep -v '^$') | awk '{ printf "%.1fx ", $1 / $2 }')"

# 3. Idle connections: a fresh MitmFixture, so throughput's heap does not count.
kill "${pid_of[mitmfixture]}" "${pid_of[baseline]:-}" 2>/dev/null || true
IDLE=$(free_port)
dotnet src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll dump --listen 127.0.0.1:$IDLE \
  --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca" >/dev/null 2>"$out/idle.err" & pids+=($!)
idle_pid=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$IDLE) 2>/dev/null && break; sleep 0.1; done
echo
echo "== idle connections through MitmFixture (reverse mode, TLS), $idle each"
/usr/bin/python3 bench/h2idle.py "$idle_pid" "$IDLE" "$idle"
