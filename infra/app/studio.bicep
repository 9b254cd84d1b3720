// The Agent Studio (functions/AgentFunctions.Studio): a static single-page app on Azure Static Web Apps, deployed by azd
// as the service `studio` (the built dist/ folder). It calls the Function App's /api/v1 routes with the user's API key
// in `Authorization: Bearer`, cross-origin: azd's build hook writes dist/config.json with apiBaseUrl (the Function App's
// URL), and the Function App's CORS allows exactly this site's origin (main.bicep passes this module's `uri` to function.bicep).
//
// Why not a linked backend (staticSites/linkedBackends, same-origin /api/*): linking gives the static site exclusive
// access to the Function App (it adds an identity provider to the app's authentication, so webhook senders calling
// /api/v1/hooks/{triggerId} directly would be refused), and the Static Web Apps proxy replaces the Authorization
// header of requests it forwards (Azure/static-web-apps#34, open), which is where the API key travels. See
// docs/deploy.md.
param name string
@description('Static Web Apps regions: westus2, centralus, eastus2, westeurope, eastasia (the content is served from edge locations everywhere).')
param location string
param tags object = {}
param serviceName string = 'studio'

@allowed([
  'Free'
  'Standard'
])
@description('Standard: SLA, private endpoints, more custom domains, bring-your-own backends (docs/deploy.md says why and what it costs).')
param sku string = 'Standard'

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    // Deployed by azd from the built folder, not from a repository workflow.
    provider: 'Custom'
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
  }
}

output name string = site.name
@description('The site\'s origin (no path): the only origin the Function App\'s CORS allows.')
output uri string = 'https://${site.properties.defaultHostname}'
