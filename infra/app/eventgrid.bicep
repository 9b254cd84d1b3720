// Document drops: the storage account's Event Grid system topic, and the subscription that delivers BlobCreated events
// of the documents container to the Functions app's blob extension endpoint, where the IngestDroppedDocument blob
// trigger (Source = EventGrid, the only blob trigger Flex Consumption runs) picks them up.
//
// Event Grid validates a webhook when the subscription is created, and the blob extension endpoint (and its
// blobs_extension system key) exists only once the app's code runs. So the topic is created on every provision and
// the subscription when `subscribe` is true: after the first `azd up`, run
// `azd env set DOCUMENT_DROPS_SUBSCRIBE true && azd provision` (see docs/deploy.md).
param name string
param location string = resourceGroup().location
param tags object = {}
param storageAccountName string
param functionAppName string
param functionName string = 'IngestDroppedDocument'
param containerName string = 'documents'
param subscribe bool = false

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource documentsCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (subscribe) {
  parent: topic
  name: 'documents-blob-created'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // The blob extension's webhook, authenticated with the host's blobs_extension system key.
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${listKeys('${functionApp.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = topic.name
output subscribed bool = subscribe
