namespace Microsoft.Azure.Functions.Worker;

/// <summary>Compile-only copy (see the project file): the kind of entity a Service Bus output binds to.</summary>
public enum ServiceBusEntityType
{
    Queue,
    Topic,
}
