// The user-assigned identity the Functions app runs as: every data-plane role in rbac.bicep is granted to it, so the
// grants exist before the app does and survive re-creating the app.
param name string
param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
