// Azure AI Search for the knowledge base (hybrid keyword + vector, every query filtered by tenant and agent).
// API keys are disabled; the app creates its index and writes documents with its identity (rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}
param sku string = 'basic'

resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    replicaCount: 1
    partitionCount: 1
    hostingMode: 'default'
    publicNetworkAccess: 'enabled'
    disableLocalAuth: true
    semanticSearch: 'free'
  }
}

output name string = search.name
output endpoint string = 'https://${search.name}.search.windows.net'
