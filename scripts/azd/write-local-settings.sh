#!/bin/sh
# azd postprovision hook (azure.yaml): writes functions/AgentFunctions.Functions/local.settings.json from the outputs
# of infra/main.bicep, so `func start` in that folder runs the Functions app against the resources just provisioned,
# as you (az login / azd auth login; infra/app/rbac.bicep gives you, the principalId, the app's data roles).
# azd exports the environment's values (the Bicep outputs, UPPER_SNAKE) to hooks. Outside azd:
#   eval "$(azd env get-values)" && sh scripts/azd/write-local-settings.sh [output-file]
# The file is git-ignored; it holds endpoints and, when AGENTFUNCTIONS_PLATFORM_KEY is set, your platform key.
set -eu

root=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
out=${1:-"$root/functions/AgentFunctions.Functions/local.settings.json"}

need() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    echo "write-local-settings: $1 is not set (run after azd provision, or eval \"\$(azd env get-values)\")" >&2
    exit 1
  fi
}
for name in AZURE_SERVICEBUS_NAMESPACE AZURE_COSMOS_ENDPOINT AZURE_COSMOS_DATABASE AZURE_COSMOS_CONTAINER AZURE_COSMOS_USAGE_CONTAINER \
  AZURE_KEY_VAULT_ENDPOINT AZURE_SEARCH_ENDPOINT AZURE_SEARCH_INDEX AZURE_OPENAI_ENDPOINT \
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT AZURE_STORAGE_UPLOADS_CONTAINER; do
  need "$name"
done

# JSON string: backslashes and double quotes escaped (the values are URLs and names; this keeps a stray one valid).
json() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

openai_v1="${AZURE_OPENAI_ENDPOINT%/}/openai/v1/"
mkdir -p "$(dirname -- "$out")"
tmp="$out.tmp.$$"
cat > "$tmp" <<JSON
{
  "IsEncrypted": false,
  "Values": {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "DocumentsStorage": "UseDevelopmentStorage=true",
    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated",
    "ServiceBusConnection__fullyQualifiedNamespace": $(json "$AZURE_SERVICEBUS_NAMESPACE"),
    "ServiceBusConnection__clientId": "",
    "AZURE_CLIENT_ID": "",
    "AgentFunctions__Cosmos__Endpoint": $(json "$AZURE_COSMOS_ENDPOINT"),
    "AgentFunctions__Cosmos__Database": $(json "$AZURE_COSMOS_DATABASE"),
    "AgentFunctions__Cosmos__Container": $(json "$AZURE_COSMOS_CONTAINER"),
    "AgentFunctions__Cosmos__UsageContainer": $(json "$AZURE_COSMOS_USAGE_CONTAINER"),
    "AgentFunctions__KeyVault__Uri": $(json "$AZURE_KEY_VAULT_ENDPOINT"),
    "AgentFunctions__Search__Endpoint": $(json "$AZURE_SEARCH_ENDPOINT"),
    "AgentFunctions__Search__Index": $(json "$AZURE_SEARCH_INDEX"),
    "AgentFunctions__Models__OpenAI__Endpoint": $(json "$openai_v1"),
    "AgentFunctions__Models__OpenAI__UseManagedIdentity": "true",
    "AgentFunctions__Models__OpenAI__ManagedIdentityClientId": "",
    "AgentFunctions__OpenAI__Endpoint": $(json "$openai_v1"),
    "AgentFunctions__OpenAI__EmbeddingDeployment": $(json "$AZURE_OPENAI_EMBEDDING_DEPLOYMENT"),
    "AgentFunctions__PlatformKey": $(json "${AGENTFUNCTIONS_PLATFORM_KEY:-}"),
    "APPLICATIONINSIGHTS_CONNECTION_STRING": $(json "${APPLICATIONINSIGHTS_CONNECTION_STRING:-}"),
    "OTEL_EXPORTER_OTLP_ENDPOINT": $(json "${OTEL_EXPORTER_OTLP_ENDPOINT:-}")
  }
}
JSON
mv "$tmp" "$out"
echo "write-local-settings: wrote $out"
