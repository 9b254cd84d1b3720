#!/usr/bin/env bash
# Load figure for the README: signed webhook intake (Standard Webhooks check, dedupe, durable enqueue) on the local host,
# beside Node-RED 4 answering a bare two-node flow (http in -> http response 202: no signature, no storage), in the
# same run. Loopback only; stops by itself. Installs wrk (Debian) and node-red@4 (npm, into a temp folder) if missing.
# Usage: scripts/load-webhooks.sh [duration-seconds=10] [connections=16]
#   HOST_ENV="NAME=VALUE ..." sets variables for the host alone (AgentFunctions__Storage__AppendLog__Durability=PowerLoss:
#   each delivery fsynced before its 202).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-16}
threads=1
# Each server first takes this many seconds of the same load, unmeasured: the runtime's tiered JIT (and Node's) settles
# before the measured run, rather than recompiling the hot path inside it.
warmup=${WARMUP:-5}

source scripts/load/common.sh

(cd "$data" && npm install --silent --no-audit --no-fund node-red@4 >/dev/null 2>&1)
mkdir -p "$data/nr"
cp scripts/load/node-red-flow.json "$data/nr/flows.json"
"$data/node_modules/.bin/node-red" -u "$data/nr" -p 7077 "$data/nr/flows.json" >"$data/node-red.log" 2>&1 &
pids+=($!)

# The dispatcher is paused (consumers = 0) so the figure is the intake alone; the queue it fills is drained after.
start_local_host 7079 AgentFunctions__Triggers__Bus__Consumers=0 AgentFunctions__Triggers__Clock__Enabled=false ${HOST_ENV:-}

for _ in $(seq 1 150); do
  curl -sf http://127.0.0.1:7079/api/v1/health >/dev/null && curl -s -o /dev/null -X POST http://127.0.0.1:7077/hook && break
  sleep 0.2
done

key=$(tenant_key 7079)
agent=$(curl -sf -X POST http://127.0.0.1:7079/api/v1/agents -H "Authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"name":"hook target","scope":"team","system_prompt":"/answer ok"}' | sed -E 's/^\{"id":"([^"]+)".*/\1/')
trigger=$(curl -sf -X POST "http://127.0.0.1:7079/api/v1/agents/$agent/triggers" -H "Authorization: Bearer $key" -H 'content-type: application/json' \
  -d '{"system":"webhook"}')
trigger_id=$(sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$trigger")
secret=$(sed -E 's/.*"signing_secret":"([^"]+)".*/\1/' <<<"$trigger")

# Unique deliveries: the run's from the top, the warm-up's after them (a repeated id would be a duplicate, which takes
# another path: counted, not queued).
run_count=$(( duration * 40000 ))
count=$(( run_count + warmup * 40000 ))
node scripts/load/sign-deliveries.js "$secret" "$count" "$data/deliveries.tsv"

warm() { # url path: the same load, unmeasured, on the warm-up's own deliveries
  [ "$warmup" -gt 0 ] || return 0
  START=$run_count DELIVERIES="$data/deliveries.tsv" HOOK_PATH="$2" wrk -t$threads -c"$connections" -d"${warmup}s" -s scripts/load/replay.lua "$1" >/dev/null
}

run() { # name url path
  local out rps p50 p99 non2xx
  out=$(DELIVERIES="$data/deliveries.tsv" HOOK_PATH="$3" wrk -t$threads -c"$connections" -d"${duration}s" --latency -s scripts/load/replay.lua "$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-44s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
  eval "${4}=$rps"
}

# The host's own view of the same requests: the hook route's 202s from http.server.request.duration on /metrics,
# counted under 5, 10, 25 and 100 ms (the histogram's buckets). wrk's percentiles include the client's own delays and
# its correction for coordinated omission; this does not. Prints "count under5 under10 under25 under100".
server_buckets() {
  sleep 1 # the exporter caches a scrape briefly
  curl -sf http://127.0.0.1:7079/metrics | awk '
    /^http_server_request_duration_seconds_(bucket|count)\{/ && /hooks\/\{triggerId\}/ && /http_response_status_code="202"/ {
      if ($0 ~ /_count\{/) n += $NF; else if ($0 ~ /le="0.005"/) a += $NF; else if ($0 ~ /le="0.01"/) b += $NF
      else if ($0 ~ /le="0.025"/) c += $NF; else if ($0 ~ /le="0.1"/) d += $NF
    }
    END { printf "%d %d %d %d %d\n", n, a, b, c, d }'
}

echo "wrk: $threads thread, $connections connections, ${duration}s, loopback, $(nproc) cores shared by client and servers"
warm "http://127.0.0.1:7077" "/hook"
run "Node-RED 4 (http in -> 202, nothing else)" "http://127.0.0.1:7077" "/hook" nr_rps
warm "http://127.0.0.1:7079" "/api/v1/hooks/$trigger_id"
read -r n0 a0 b0 c0 d0 < <(server_buckets)
run "POST /api/v1/hooks/{id} (signed, deduped, queued)" "http://127.0.0.1:7079" "/api/v1/hooks/$trigger_id" af_rps
read -r n1 a1 b1 c1 d1 < <(server_buckets)
awk -v n="$((n1 - n0))" -v a="$((a1 - a0))" -v b="$((b1 - b0))" -v c="$((c1 - c0))" -v d="$((d1 - d0))" \
  'BEGIN { if (n > 0) printf "  the host'"'"'s own histogram: %d requests, %.2f %% under 5 ms, %.2f %% under 10 ms, %.3f %% under 25 ms, %.3f %% under 100 ms\n", n, 100 * a / n, 100 * b / n, 100 * c / n, 100 * d / n }'
awk -v a="$af_rps" -v b="$nr_rps" 'BEGIN { printf "ratio webhooks/Node-RED: %.2f\n", a / b }'
