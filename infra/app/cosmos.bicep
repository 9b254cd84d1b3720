// Cosmos DB for NoSQL, serverless: one database and the "documents" container every stored record lives in,
// partitioned by /tenantId so each tenant is one logical partition (atomic batches stay inside it). Keys are disabled:
// the app holds the Built-in Data Contributor data-plane role (rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}
param databaseName string
param containerName string
param partitionKeyPath string = '/tenantId'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: containerName
  properties: {
    resource: {
      id: containerName
      partitionKey: {
        paths: [
          partitionKeyPath
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
        ]
      }
    }
  }
}

// The usage log (shared/AgentFunctions.Azure/Usage/CosmosUsageStore.cs): one item per usage event, same partition key.
// Only the fields its queries filter on are indexed, which keeps each append's request charge low.
resource usageContainer 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'usage'
  properties: {
    resource: {
      id: 'usage'
      partitionKey: {
        paths: [
          partitionKeyPath
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/occurredAt/?'
          }
          {
            path: '/meter/?'
          }
        ]
        excludedPaths: [
          {
            path: '/*'
          }
        ]
      }
    }
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint

output usageContainerName string = usageContainer.name
