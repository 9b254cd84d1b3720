// The Functions app on Flex Consumption (.NET isolated worker). It runs as the user-assigned identity: the deployment
// package, AzureWebJobsStorage (with the Durable task hub's queues and tables), Service Bus, App Insights and the Key
// Vault reference for the platform key all authenticate with it. A system-assigned identity is enabled too, for
// grants an operator may want to give the app alone.
param name string
param planName string
param location string = resourceGroup().location
param tags object = {}
param serviceName string = 'api'
param dotnetVersion string = '10.0'
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
param appSettings object = {}
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 100
@description('Browser origins allowed to call the API cross-origin (the Agent Studio\'s site). The API key travels in the Authorization header, never a cookie: no credentials mode.')
param allowedCorsOrigins array = []

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Identity-based host storage: the credential and client id, plus one URI per service the host and Durable use.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Knowledge documents: the blob trigger's connection (DocumentsStorage) and the blob adapter read the same identity-based
// settings, so the trigger and the uploads cannot point at different accounts.
var knowledgeSettings = {
  DocumentsStorage__credential: 'managedidentity'
  DocumentsStorage__clientId: identityClientId
  DocumentsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned, UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the user-assigned identity, the one holding the Key Vault role.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      cors: {
        allowedOrigins: allowedCorsOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }

  // Flex Consumption takes the runtime from functionAppConfig; FUNCTIONS_WORKER_RUNTIME and
  // FUNCTIONS_EXTENSION_VERSION must not be set here.
  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, hostSettings, knowledgeSettings)
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
output systemAssignedPrincipalId string = app.identity.principalId
