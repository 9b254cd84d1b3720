// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Client/Core/OrchestrationMetadata.cs
// (namespace Microsoft.DurableTask.Client since the 1.0 packages). Subset: DataConverter and FailureDetails are left out.
namespace Microsoft.DurableTask.Client;

public sealed class OrchestrationMetadata
{
    public OrchestrationMetadata(string name, string instanceId)
    {
        Name = name;
        InstanceId = instanceId;
    }

    public string Name { get; }

    public string InstanceId { get; }

    public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; init; }

    public string? SerializedInput { get; init; }

    public string? SerializedOutput { get; init; }

    public string? SerializedCustomStatus { get; init; }

    public bool IsRunning => RuntimeStatus == OrchestrationRuntimeStatus.Running;

    public bool IsCompleted =>
        RuntimeStatus == OrchestrationRuntimeStatus.Completed ||
        RuntimeStatus == OrchestrationRuntimeStatus.Failed ||
        RuntimeStatus == OrchestrationRuntimeStatus.Terminated;

    public T? ReadInputAs<T>() => throw new NotSupportedException("compile-only stand-in");

    public T? ReadOutputAs<T>() => throw new NotSupportedException("compile-only stand-in");

    public T? ReadCustomStatusAs<T>() => throw new NotSupportedException("compile-only stand-in");
}
