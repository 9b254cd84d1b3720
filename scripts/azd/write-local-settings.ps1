# azd postprovision hook on Windows (azure.yaml): the same file as write-local-settings.sh, from the same azd values.
param([string]$Out = (Join-Path $PSScriptRoot '..\..\functions\AgentFunctions.Functions\local.settings.json'))
$ErrorActionPreference = 'Stop'

function Need([string]$Name) {
  $value = [Environment]::GetEnvironmentVariable($Name)
  if ([string]::IsNullOrEmpty($value)) { throw "write-local-settings: $Name is not set (run after azd provision)" }
  return $value
}
function Opt([string]$Name) { $v = [Environment]::GetEnvironmentVariable($Name); if ($null -eq $v) { '' } else { $v } }

$openAiV1 = (Need 'AZURE_OPENAI_ENDPOINT').TrimEnd('/') + '/openai/v1/'
$values = [ordered]@{
  'AzureWebJobsStorage' = 'UseDevelopmentStorage=true'
  'DocumentsStorage' = 'UseDevelopmentStorage=true'
  'FUNCTIONS_WORKER_RUNTIME' = 'dotnet-isolated'
  'ServiceBusConnection__fullyQualifiedNamespace' = Need 'AZURE_SERVICEBUS_NAMESPACE'
  'ServiceBusConnection__clientId' = ''
  'AZURE_CLIENT_ID' = ''
  'AgentFunctions__Cosmos__Endpoint' = Need 'AZURE_COSMOS_ENDPOINT'
  'AgentFunctions__Cosmos__Database' = Need 'AZURE_COSMOS_DATABASE'
  'AgentFunctions__Cosmos__Container' = Need 'AZURE_COSMOS_CONTAINER'
  'AgentFunctions__Cosmos__UsageContainer' = Need 'AZURE_COSMOS_USAGE_CONTAINER'
  'AgentFunctions__KeyVault__Uri' = Need 'AZURE_KEY_VAULT_ENDPOINT'
  'AgentFunctions__Search__Endpoint' = Need 'AZURE_SEARCH_ENDPOINT'
  'AgentFunctions__Search__Index' = Need 'AZURE_SEARCH_INDEX'
  'AgentFunctions__Models__OpenAI__Endpoint' = $openAiV1
  'AgentFunctions__Models__OpenAI__UseManagedIdentity' = 'true'
  'AgentFunctions__Models__OpenAI__ManagedIdentityClientId' = ''
  'AgentFunctions__OpenAI__Endpoint' = $openAiV1
  'AgentFunctions__OpenAI__EmbeddingDeployment' = Need 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT'
  'AgentFunctions__PlatformKey' = Opt 'AGENTFUNCTIONS_PLATFORM_KEY'
  'APPLICATIONINSIGHTS_CONNECTION_STRING' = Opt 'APPLICATIONINSIGHTS_CONNECTION_STRING'
  'OTEL_EXPORTER_OTLP_ENDPOINT' = Opt 'OTEL_EXPORTER_OTLP_ENDPOINT'
}
[ordered]@{ IsEncrypted = $false; Values = $values } | ConvertTo-Json -Depth 3 | Set-Content -Path $Out -Encoding utf8
Write-Host "write-local-settings: wrote $Out"
