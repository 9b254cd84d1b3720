// Azure OpenAI with a chat and an embeddings deployment. Keys are disabled: the app calls the v1 endpoint
// (<endpoint>openai/v1/) through the OpenAI SDK with an Entra ID token (Cognitive Services OpenAI User, rbac.bicep).
param name string
param location string = resourceGroup().location
param tags object = {}
param chatModel object
param embeddingModel object

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource chat 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: chatModel.deployment
  sku: {
    name: chatModel.sku
    capacity: chatModel.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chatModel.name
      version: chatModel.version
    }
  }
}

// Deployments on one account must be created one at a time.
resource embeddings 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: embeddingModel.deployment
  dependsOn: [
    chat
  ]
  sku: {
    name: embeddingModel.sku
    capacity: embeddingModel.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embeddingModel.name
      version: embeddingModel.version
    }
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
