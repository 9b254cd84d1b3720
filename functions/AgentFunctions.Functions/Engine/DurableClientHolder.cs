using Microsoft.DurableTask.Client;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// Holds the <see cref="DurableTaskClient"/> the Functions host binds through <c>[DurableClient]</c>. The binding hands
/// out the same cached client for a task hub on every invocation, so the first HTTP function that runs stores it and
/// the shared services use it through <see cref="DurableOrchestrationClient"/>.
/// </summary>
public sealed class DurableClientHolder
{
    private DurableTaskClient? client;

    public DurableTaskClient Client => Volatile.Read(ref client)
        ?? throw new InvalidOperationException("No Durable client bound yet: engine HTTP functions must declare [DurableClient] and call Use first.");

    public DurableClientHolder Use(DurableTaskClient bound)
    {
        Volatile.Write(ref client, bound);
        return this;
    }
}
