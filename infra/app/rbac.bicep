// Every data-plane grant, in one place. The app's user-assigned identity gets what it needs at run time; the developer
// running azd (userPrincipalId, optional; a service principal in CI) gets the same, so the app can run locally against the deployed resources.
// Role ids are the built-in role definitions (the same in every tenant); each is named beside it.
param appPrincipalId string
param userPrincipalId string = ''
param userPrincipalType string = 'User'
param storageAccountName string
param serviceBusNamespaceName string
param cosmosAccountName string
param searchServiceName string
param keyVaultName string
param openAiAccountName string
param applicationInsightsName string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner: host state, deployment package, uploads
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor: Durable task hub queues
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor: Durable history and instances
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419' // Azure Service Bus Data Owner: send, receive, manage subscriptions
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7' // Key Vault Secrets Officer: tool credentials, platform key
  searchIndexDataContributor: '8ebe5a00-799e-43f5-93ac-243d3dce84a7' // Search Index Data Contributor: write and query documents
  searchServiceContributor: '7ca78c08-252a-4471-8644-bb5ff32d4ba0' // Search Service Contributor: create and update the index
  openAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd' // Cognitive Services OpenAI User: chat and embeddings
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher: telemetry with Entra ID auth
}
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002' // Cosmos DB Built-in Data Contributor (data-plane role)

var principals = concat(
  [
    {
      id: appPrincipalId
      type: 'ServicePrincipal'
    }
  ],
  empty(userPrincipalId) ? [] : [
    {
      id: userPrincipalId
      type: userPrincipalType
    }
  ]
)

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: serviceBusNamespaceName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

resource search 'Microsoft.Search/searchServices@2023-11-01' existing = {
  name: searchServiceName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(storage.id, p.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: p.id
    principalType: p.type
  }
}]

resource storageQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(storage.id, p.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

resource storageTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(storage.id, p.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

resource serviceBusOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(serviceBus.id, p.id, roles.serviceBusDataOwner)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
    principalId: p.id
    principalType: p.type
  }
}]

// Cosmos DB data-plane RBAC is its own resource type, scoped to the account.
resource cosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [for p in principals: {
  parent: cosmos
  name: guid(cosmos.id, p.id, cosmosDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    principalId: p.id
    scope: cosmos.id
  }
}]

resource vaultSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(vault.id, p.id, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: p.id
    principalType: p.type
  }
}]

resource searchData 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(search.id, p.id, roles.searchIndexDataContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.searchIndexDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

resource searchService 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(search.id, p.id, roles.searchServiceContributor)
  scope: search
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.searchServiceContributor)
    principalId: p.id
    principalType: p.type
  }
}]

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(openAi.id, p.id, roles.openAiUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.openAiUser)
    principalId: p.id
    principalType: p.type
  }
}]

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(applicationInsights.id, p.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: p.id
    principalType: p.type
  }
}]
