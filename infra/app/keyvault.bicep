// Key Vault with Azure RBAC (no access policies): tenant credentials for tools, and the platform key the app reads
// through a Key Vault reference. The platform key secret is written only when one is supplied.
param name string
param location string = resourceGroup().location
param tags object = {}
param platformKeySecretName string

@secure()
param platformKey string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource platformKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(platformKey)) {
  parent: vault
  name: platformKeySecretName
  properties: {
    value: platformKey
    contentType: 'AgentFunctions platform key (afp.<secret>)'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
