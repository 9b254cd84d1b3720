#!/usr/bin/env bash
# Load figure for the README: GET /api/v1/agents/{id} with key auth on the local host, against a bare minimal-API
# baseline measured in the same run. Loopback only; stops by itself. Needs wrk (installed from Debian if missing).
# Usage: scripts/load-agents.sh [duration-seconds=10] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
threads=1

source scripts/load/common.sh
dotnet build -c Release -v q -nologo tests/AgentFunctions.LoadBaseline >/dev/null

start_local_host 7079
ASPNETCORE_URLS=http://127.0.0.1:7078 dotnet tests/AgentFunctions.LoadBaseline/bin/Release/net10.0/AgentFunctions.LoadBaseline.dll >"$data/baseline.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  curl -sf http://127.0.0.1:7079/api/v1/health >/dev/null && curl -sf -o /dev/null http://127.0.0.1:7078/api/v1/baseline/x && break
  sleep 0.2
done

key=$(tenant_key 7079)
agent=$(curl -sf -X POST http://127.0.0.1:7079/api/v1/agents -H "Authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"name":"load target","system_prompt":"You help.","tools":["builtin.current_time"]}' | sed -E 's/^\{"id":"([^"]+)".*/\1/')
curl -sf -o /dev/null http://127.0.0.1:7079/api/v1/agents/$agent -H "Authorization: Bearer $key"

run() { # name url
  wrk -t$threads -c"$connections" -d2s -H "Authorization: Bearer $key" "$2" >/dev/null   # warm-up
  local out; out=$(wrk -t$threads -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $key" "$2")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  eval "${3}=$rps"
}

echo "wrk: $threads thread, $connections connections, ${duration}s, loopback, $(nproc) cores shared by client and server"
run "baseline (hash + record)" "http://127.0.0.1:7078/api/v1/baseline/$agent" base_rps
run "GET /api/v1/agents/{id}" "http://127.0.0.1:7079/api/v1/agents/$agent" api_rps
awk -v a="$api_rps" -v b="$base_rps" 'BEGIN { printf "ratio agents/baseline: %.2f\n", a / b }'
