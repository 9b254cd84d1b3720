# Shared by the load scripts (sourced, not run): wrk, a Release local host on loopback, a tenant key, clean-up on exit.
# After sourcing: $data (temp folder), $platform_key, pids+=(...) for processes to stop, start_local_host, tenant_key.

if ! command -v wrk >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release -v q -nologo functions/AgentFunctions.LocalHost >/dev/null

data=$(mktemp -d)
platform_key="afp.load-$(date +%s)-platform-key"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

# start_local_host PORT [NAME=VALUE ...]: the local host on a fresh data folder, quiet, with extra settings. HOST_BIN=<folder>
# runs another build of it (a baseline copied elsewhere).
start_local_host() {
  local port=$1; shift
  env "$@" AgentFunctions__DataDirectory="$data/host-$port" AgentFunctions__PlatformKey="$platform_key" AgentFunctions__Quiet=true \
    Logging__LogLevel__Default=Warning ASPNETCORE_URLS="http://127.0.0.1:$port" \
    dotnet "${HOST_BIN:-functions/AgentFunctions.LocalHost/bin/Release/net10.0}/AgentFunctions.LocalHost.dll" >"$data/host-$port.log" 2>&1 &
  pids+=($!)
}

# tenant_key PORT: a new tenant's admin key, made with the platform key.
tenant_key() {
  curl -sf -X POST "http://127.0.0.1:$1/api/v1/tenants" -H "Authorization: Bearer $platform_key" -H 'content-type: application/json' \
    -d '{"name":"Load","admin":{"email":"load@example.test"}}' | sed -E 's/.*"key":"([^"]+)".*/\1/'
}
