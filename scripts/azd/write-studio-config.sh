#!/bin/sh
# azd postbuild hook of the `studio` service (azure.yaml): writes dist/config.json beside the built index.html, so the
# Agent Studio on Azure Static Web Apps calls the Functions app's API (its URL is the Bicep output
# AZURE_FUNCTION_APP_URL, which azd exports to hooks). The Functions app's CORS allows the Studio's origin only
# (infra/app/function.bicep, allowedCorsOrigins). Outside azd, from functions/AgentFunctions.Studio after npm run build:
#   eval "$(azd env get-values)" && sh ../../scripts/azd/write-studio-config.sh [dist-folder]
set -eu

dist=${1:-dist}
if [ -z "${AZURE_FUNCTION_APP_URL:-}" ]; then
  echo "write-studio-config: AZURE_FUNCTION_APP_URL is not set (run after azd provision, or eval \"\$(azd env get-values)\")" >&2
  exit 1
fi
if [ ! -d "$dist" ]; then
  echo "write-studio-config: $dist does not exist (run npm run build first)" >&2
  exit 1
fi

# The origin only: the Studio appends /api/v1/... itself. A trailing slash is dropped; quotes and backslashes escaped.
url=$(printf '%s' "$AZURE_FUNCTION_APP_URL" | sed -e 's:/*$::' -e 's/\\/\\\\/g' -e 's/"/\\"/g')
printf '{ "apiBaseUrl": "%s" }\n' "$url" > "$dist/config.json"
echo "write-studio-config: $dist/config.json -> $url"
