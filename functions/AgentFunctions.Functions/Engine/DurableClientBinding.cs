using Microsoft.DurableTask.Client;

namespace AgentFunctions.Functions.Engine;

/// <summary>
/// The <see cref="DurableTaskClient"/> of the invocation being served, as its <c>[DurableClient]</c> binding handed it.
/// Registered per invocation (scoped to the function's <c>FunctionContext.InstanceServices</c>): no function ever
/// reads a client another function bound, and a function that binds none gets a clear error, not a stale client.
/// </summary>
public sealed class DurableClientBinding
{
    private DurableTaskClient? client;

    public DurableTaskClient Client => client
        ?? throw new InvalidOperationException("This function has no Durable client: declare a [DurableClient] DurableTaskClient parameter and pass it to Bind.");

    public DurableClientBinding Bind(DurableTaskClient bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        client = bound;
        return this;
    }
}
