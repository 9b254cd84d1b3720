// AgentFunctions on Azure: one resource group with the Functions app (Flex Consumption, .NET isolated) and what it
// talks to, every connection by managed identity (no keys: local auth is off on Storage, Service Bus, Cosmos DB,
// AI Search, Azure OpenAI and App Insights). `azd up` runs this, then deploys functions/AgentFunctions.Functions.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and location it seeds the resource token.')
param environmentName string

@minLength(1)
@description('Region for every resource except Azure OpenAI (see openAiLocation). Must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region for Azure OpenAI, where the chosen models have quota. Empty: same as location.')
param openAiLocation string = ''

@description('Object id of the developer running azd; gets the same data roles as the app, for local debugging. Empty to skip.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId: User for a developer, ServicePrincipal when azd runs in a pipeline.')
param principalType string = 'User'

@secure()
@description('The platform key (afp.<secret>, or the bare secret). Stored in Key Vault as platform-key and read by the app through a Key Vault reference. Empty: no secret is written and tenant management stays closed until you add one.')
param platformKey string = ''

// Every name below can be overridden; empty means "derive from the abbreviation and the resource token".
param resourceGroupName string = ''
param functionAppName string = ''
param appServicePlanName string = ''
param userAssignedIdentityName string = ''
param storageAccountName string = ''
param serviceBusNamespaceName string = ''
param cosmosAccountName string = ''
param searchServiceName string = ''
param keyVaultName string = ''
param openAiAccountName string = ''
param applicationInsightsName string = ''
param logAnalyticsName string = ''
param staticWebAppName string = ''

@allowed([
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
])
@description('Region of the Agent Studio\'s Static Web App (a Static Web Apps region; its files are served from edge locations everywhere).')
param staticWebAppLocation string = 'westeurope'

@allowed([
  'Free'
  'Standard'
])
@description('Plan of the Agent Studio\'s Static Web App: Standard for the SLA (docs/deploy.md); Free works too (the Studio needs no Standard-only feature).')
param staticWebAppSku string = 'Standard'

@description('Functions runtime for the isolated worker; the app targets net10.0.')
param dotnetVersion string = '10.0'

@description('Cosmos DB database and container of the document store (partition key /tenantId).')
param cosmosDatabaseName string = 'agentfunctions'
param cosmosContainerName string = 'documents'

@description('AI Search index the knowledge base writes to (the app creates it on first use).')
param searchIndexName string = 'chunks'

@description('Service Bus topics (events fan out to subscribers) and queues (work items). Each topic gets a subscription named "engine".')
param serviceBusTopics array = [
  'trigger-events'
  'usage-events'
]
param serviceBusQueues array = [
  'agent-runs'
  'document-ingestion'
]

@description('Subscribe the document-drop blob trigger to the storage account\'s Event Grid topic. Event Grid validates the app\'s blob extension endpoint, which exists only once the code is deployed: set to true (azd env set DOCUMENT_DROPS_SUBSCRIBE true) and provision again after the first azd up.')
param documentDropsSubscribe bool = false

@description('Azure OpenAI model deployments. The chat deployment is named after its model: an agent whose model is "gpt-4.1-mini" calls the deployment of that name.')
param chatModel object = {
  deployment: 'gpt-4.1-mini'
  name: 'gpt-4.1-mini'
  version: '2025-04-14'
  sku: 'GlobalStandard'
  capacity: 50
}
param embeddingModel object = {
  deployment: 'embeddings'
  name: 'text-embedding-3-small'
  version: '1'
  sku: 'Standard'
  capacity: 50
}

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  functionApp: !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}api-${resourceToken}'
  plan: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
  identity: !empty(userAssignedIdentityName) ? userAssignedIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  serviceBus: !empty(serviceBusNamespaceName) ? serviceBusNamespaceName : '${abbrs.serviceBusNamespaces}${resourceToken}'
  cosmos: !empty(cosmosAccountName) ? cosmosAccountName : '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  search: !empty(searchServiceName) ? searchServiceName : '${abbrs.searchSearchServices}${resourceToken}'
  keyVault: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
  openAi: !empty(openAiAccountName) ? openAiAccountName : '${abbrs.openAIAccounts}${resourceToken}'
  appInsights: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  staticWebApp: !empty(staticWebAppName) ? staticWebAppName : '${abbrs.webStaticSites}studio-${resourceToken}'
}

// Flex Consumption deploys the app package from a blob container the app's identity can read.
var deploymentContainerName = toLower('app-package-${take(names.functionApp, 32)}-${take(resourceToken, 7)}')
var platformKeySecretName = 'platform-key'
// Uploaded documents (the knowledge base's blobs); the Durable task hub's queues and tables live in the same account,
// created by the Durable extension under the hub name in host.json.
var uploadsContainerName = 'uploads'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    containerNames: [
      deploymentContainerName
      uploadsContainerName
    ]
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    topics: serviceBusTopics
    queues: serviceBusQueues
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    containerName: cosmosContainerName
  }
}

module search 'app/search.bicep' = {
  name: 'search'
  scope: rg
  params: {
    name: names.search
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    platformKeySecretName: platformKeySecretName
    platformKey: platformKey
  }
}

module openAi 'app/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    name: names.openAi
    location: !empty(openAiLocation) ? openAiLocation : location
    tags: tags
    chatModel: chatModel
    embeddingModel: embeddingModel
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    cosmosAccountName: cosmos.outputs.name
    searchServiceName: search.outputs.name
    keyVaultName: keyVault.outputs.name
    openAiAccountName: openAi.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// The Agent Studio (azd service `studio`): a Static Web App whose origin is the only one the Function App's CORS allows.
module studio 'app/studio.bicep' = {
  name: 'studio'
  scope: rg
  params: {
    name: names.staticWebApp
    location: staticWebAppLocation
    sku: staticWebAppSku
    tags: tags
    serviceName: 'studio'
  }
}

module functionApp 'app/function.bicep' = {
  name: 'function'
  scope: rg
  dependsOn: [
    rbac // the app resolves its Key Vault reference and opens its storage connections at first start
  ]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    dotnetVersion: dotnetVersion
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    allowedCorsOrigins: [
      studio.outputs.uri
    ]
    appSettings: {
      // Service Bus triggers and outputs: identity-based connection named ServiceBusConnection.
      ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identity.outputs.clientId
      // The SDK adapters (Cosmos, Key Vault, AI Search, OpenAI) use DefaultAzureCredential, which reads this.
      AZURE_CLIENT_ID: identity.outputs.clientId
      AgentFunctions__Cosmos__Endpoint: cosmos.outputs.endpoint
      AgentFunctions__Cosmos__Database: cosmosDatabaseName
      AgentFunctions__Cosmos__Container: cosmosContainerName
      AgentFunctions__Cosmos__UsageContainer: cosmos.outputs.usageContainerName
      AgentFunctions__KeyVault__Uri: keyVault.outputs.uri
      AgentFunctions__Search__Endpoint: search.outputs.endpoint
      AgentFunctions__Search__Index: searchIndexName
      // The chat model (OpenAIChatModelOptions): Azure OpenAI's v1 endpoint with an Entra ID token of the app's identity.
      AgentFunctions__Models__OpenAI__Endpoint: '${openAi.outputs.endpoint}openai/v1/'
      AgentFunctions__Models__OpenAI__UseManagedIdentity: 'true'
      AgentFunctions__Models__OpenAI__ManagedIdentityClientId: identity.outputs.clientId
      // Knowledge on Azure (embeddings, AI Search, uploads): read by the knowledge wiring.
      AgentFunctions__OpenAI__Endpoint: '${openAi.outputs.endpoint}openai/v1/'
      AgentFunctions__OpenAI__EmbeddingDeployment: embeddingModel.deployment
      // Resolved by the platform with the user-assigned identity (keyVaultReferenceIdentity in function.bicep).
      AgentFunctions__PlatformKey: '@Microsoft.KeyVault(VaultName=${keyVault.outputs.name};SecretName=${platformKeySecretName})'
    }
  }
}

// Knowledge-base drops: BlobCreated events of the documents container go to the IngestDroppedDocument blob trigger.
module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: 'evgt-documents-${resourceToken}' // Event Grid system topic (no abbreviation in abbreviations.json)
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    functionAppName: functionApp.outputs.name
    containerName: storage.outputs.documentsContainerName
    subscribe: documentDropsSubscribe
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.uri
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_STATIC_WEB_APP_NAME string = studio.outputs.name
output AZURE_STATIC_WEB_APP_URL string = studio.outputs.uri
output SERVICE_STUDIO_NAME string = studio.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_COSMOS_DATABASE string = cosmosDatabaseName
output AZURE_COSMOS_CONTAINER string = cosmosContainerName
output AZURE_COSMOS_USAGE_CONTAINER string = cosmos.outputs.usageContainerName
output AZURE_SEARCH_ENDPOINT string = search.outputs.endpoint
output AZURE_SEARCH_INDEX string = searchIndexName
output AZURE_STORAGE_UPLOADS_CONTAINER string = uploadsContainerName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_CHAT_DEPLOYMENT string = chatModel.deployment
output AZURE_OPENAI_EMBEDDING_DEPLOYMENT string = embeddingModel.deployment
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
