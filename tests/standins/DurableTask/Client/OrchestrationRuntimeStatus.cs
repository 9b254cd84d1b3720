// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Client/Core/OrchestrationRuntimeStatus.cs
// (namespace Microsoft.DurableTask.Client). Same members in the same order, so numeric values match.
namespace Microsoft.DurableTask.Client;

public enum OrchestrationRuntimeStatus
{
    Running,
    Completed,
    [Obsolete("The ContinuedAsNew status is obsolete and exists only for compatibility reasons.")]
    ContinuedAsNew,
    Failed,
    [Obsolete("The Canceled status is not currently used and exists only for compatibility reasons.")]
    Canceled,
    Terminated,
    Pending,
    Suspended,
}
