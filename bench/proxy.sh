#!/usr/bin/env bash
# Proxy throughput and latency, measured in one run so the ratios are comparable:
#   direct to nginx, through nginx as a keep-alive proxy (the steady yardstick), through
#   MitmFixture, and through mitmproxy's mitmdump; plain HTTP (forward proxy, absolute-form
#   requests) and HTTPS with interception (reverse mode: TLS terminated and re-originated).
# Needs: wrk, nginx, mitmdump (Debian: apt-get install wrk nginx-light mitmproxy), the .NET SDK.
# Usage: bench/proxy.sh [duration-seconds, default 10] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-32}"
out="bench/out"
mkdir -p "$out"
for tool in wrk nginx mitmdump dotnet openssl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install wrk nginx-light mitmproxy openssl)"; exit 1; }
done

UP=18181; UPS=18443; NGX=18282; NGXS=18543; MF=18383; MFS=18643; MD=18484; MDS=18743
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$PWD/$out/nginx" -c nginx.conf -s stop 2>/dev/null || true; }
trap cleanup EXIT

# 1. nginx: the upstream (a 13-byte body, HTTP and HTTPS) and the yardstick proxy.
mkdir -p "$out/nginx/logs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$out/nginx/key.pem" -out "$out/nginx/cert.pem" 2>/dev/null
cat > "$out/nginx/nginx.conf" <<CONF
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  upstream origin { server 127.0.0.1:$UP; keepalive 64; }
  upstream origins { server 127.0.0.1:$UPS; keepalive 64; }
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000; location / { return 200 "hello, world\n"; } }
  server { listen 127.0.0.1:$UPS ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; keepalive_requests 1000000;
           location / { return 200 "hello, world\n"; } }
  server { listen 127.0.0.1:$NGX; keepalive_requests 1000000;
           location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:$NGXS ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; keepalive_requests 1000000;
           location / { proxy_pass https://origins; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_ssl_session_reuse on; } }
}
CONF
nginx -p "$PWD/$out/nginx" -c nginx.conf

# 2. MitmFixture (Release build), printing every flow like mitmdump does, to /dev/null.
dotnet build -c Release -v q src/MitmFixture.Cli >/dev/null
cli="src/MitmFixture.Cli/bin/Release/net10.0/MitmFixture.Cli.dll"
dotnet "$cli" dump --listen 127.0.0.1:$MF --set confdir="$out/ca" >/dev/null 2>"$out/mf.err" & pids+=($!)
dotnet "$cli" dump --listen 127.0.0.1:$MFS --mode reverse:https://127.0.0.1:$UPS --ssl-insecure --set confdir="$out/ca" >/dev/null 2>"$out/mfs.err" & pids+=($!)

# 3. mitmdump, likewise.
mitmdump --listen-host 127.0.0.1 -p $MD --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!)
mitmdump --listen-host 127.0.0.1 -p $MDS --mode reverse:https://127.0.0.1:$UPS -k --set confdir="$out/mitmproxy" >/dev/null 2>&1 & pids+=($!)

for port in $MF $MFS $MD $MDS; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

# wrk speaks origin-form only; this script makes it send a forward proxy's absolute-form requests.
cat > "$out/absolute.lua" <<LUA
wrk.path = "http://127.0.0.1:$UP/"
wrk.headers["Host"] = "127.0.0.1:$UP"
LUA

declare -A rps p50 p99
run() { # name url [script] [connections]
  local name="$1" url="$2" script="${3:-}" c="${4:-$connections}" args=()
  [ -n "$script" ] && args=(-s "$script")
  local threads=2
  [ "$c" -lt 2 ] && threads=1
  wrk -t$threads -c"$c" -d2s "${args[@]}" "$url" >/dev/null 2>&1 || true   # warm-up (JIT, connections)
  local report
  report=$(wrk -t$threads -c"$c" -d"${duration}s" --latency "${args[@]}" "$url")
  rps[$name]=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  p50[$name]=$(awk '$1=="50%" {print $2}' <<<"$report")
  p99[$name]=$(awk '$1=="99%" {print $2}' <<<"$report")
  printf '%-22s %12s req/s   p50 %-9s p99 %s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== plain HTTP, $connections connections, ${duration}s each"
run direct "http://127.0.0.1:$UP/"
run nginx-proxy "http://127.0.0.1:$NGX/"
run mitmfixture "http://127.0.0.1:$MF/" "$out/absolute.lua"
run mitmdump "http://127.0.0.1:$MD/" "$out/absolute.lua"
echo "== HTTPS intercepted (reverse mode, TLS both sides), $connections connections"
run direct-tls "https://127.0.0.1:$UPS/"
run nginx-proxy-tls "https://127.0.0.1:$NGXS/"
run mitmfixture-tls "https://127.0.0.1:$MFS/"
run mitmdump-tls "https://127.0.0.1:$MDS/"
echo "== one connection (latency)"
run direct-1 "http://127.0.0.1:$UP/" "" 1
run mitmfixture-1 "http://127.0.0.1:$MF/" "$out/absolute.lua" 1

echo "== ratios"
echo "mitmfixture / nginx-proxy      $(ratio "${rps[mitmfixture]}" "${rps[nginx-proxy]}")   (target >= 0.9)"
echo "mitmfixture / direct           $(ratio "${rps[mitmfixture]}" "${rps[direct]}")"
echo "mitmfixture / mitmdump         $(ratio "${rps[mitmfixture]}" "${rps[mitmdump]}")   (target >= 25)"
echo "mitmfixture-tls / mitmdump-tls $(ratio "${rps[mitmfixture-tls]}" "${rps[mitmdump-tls]}")   (target >= 20)"
echo "mitmfixture-tls / nginx-tls    $(ratio "${rps[mitmfixture-tls]}" "${rps[nginx-proxy-tls]}")"
echo "p50 at 1 connection: direct ${p50[direct-1]}, mitmfixture ${p50[mitmfixture-1]} (target: under 100us added)"
