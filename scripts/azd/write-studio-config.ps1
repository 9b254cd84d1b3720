# azd postbuild hook of the `studio` service (azure.yaml), for Windows: the same as write-studio-config.sh. Writes
# dist/config.json with apiBaseUrl = AZURE_FUNCTION_APP_URL (a Bicep output azd exports to hooks).
param([string]$Dist = "dist")
$ErrorActionPreference = "Stop"

if (-not $env:AZURE_FUNCTION_APP_URL) {
    Write-Error "write-studio-config: AZURE_FUNCTION_APP_URL is not set (run after azd provision, or load azd env get-values)"
    exit 1
}
if (-not (Test-Path -PathType Container $Dist)) {
    Write-Error "write-studio-config: $Dist does not exist (run npm run build first)"
    exit 1
}
$url = $env:AZURE_FUNCTION_APP_URL.TrimEnd('/')
$json = @{ apiBaseUrl = $url } | ConvertTo-Json -Compress
Set-Content -Path (Join-Path $Dist "config.json") -Value $json -Encoding utf8NoBOM
Write-Host "write-studio-config: $Dist/config.json -> $url"
