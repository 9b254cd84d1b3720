// The app's storage: AzureWebJobsStorage (host state, timers), the Durable Functions task hub (queues and tables),
// the Flex Consumption deployment container and the document upload container. Shared-key access is off; everything
// goes through Entra ID (roles in rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}
param containerNames array = []
@description('The container of knowledge-base documents: blobs at {tenantId}/{knowledgeBaseId}/{fileName}; a file written there is ingested (eventgrid.bicep).')
param documentsContainerName string = 'documents'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource containers 'containers' = [for containerName in containerNames: {
      name: containerName
      properties: {
        publicAccess: 'None'
      }
    }]

    resource documents 'containers' = {
      name: documentsContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output documentsContainerName string = documentsContainerName
