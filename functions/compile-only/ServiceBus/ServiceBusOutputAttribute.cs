using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>Compile-only copy (see the project file): a Service Bus queue or topic output.</summary>
public sealed class ServiceBusOutputAttribute : OutputBindingAttribute
{
    public ServiceBusOutputAttribute(string queueOrTopicName, ServiceBusEntityType entityType = ServiceBusEntityType.Queue)
    {
        QueueOrTopicName = queueOrTopicName;
        EntityType = entityType;
    }

    public string QueueOrTopicName { get; private set; }

    public string? Connection { get; set; }

    public ServiceBusEntityType EntityType { get; set; }
}
