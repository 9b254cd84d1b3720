// Service Bus for platform events: topics fan events out (each gets an "engine" subscription), queues carry work.
// Standard tier (topics need it); SAS keys are disabled, the app connects with its identity (ServiceBusConnection__*).
param name string
param location string = resourceGroup().location
param tags object = {}
param topics array = []
param queues array = []

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource topicResources 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = [for topic in topics: {
  parent: namespace
  name: topic
  properties: {
    defaultMessageTimeToLive: 'P14D'
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
  }
}]

resource engineSubscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for i in range(0, length(topics)): {
  parent: topicResources[i]
  name: 'engine'
  properties: {
    // After ten failed deliveries (DispatchTriggerEvent throws) a message moves to the subscription's dead-letter
    // queue (<topic>/Subscriptions/engine/$DeadLetterQueue), as do expired ones and any a filter cannot evaluate.
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    deadLetteringOnFilterEvaluationExceptions: true
    lockDuration: 'PT1M'
  }
}]

resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for queue in queues: {
  parent: namespace
  name: queue
  properties: {
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
  }
}]

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
