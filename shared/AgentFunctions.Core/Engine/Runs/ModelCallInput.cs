using AgentFunctions.Common;
using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

public sealed record ModelCallInput(TenantId Tenant, string RunId, ChatRequest Request)
{
    /// <summary>The run's trace context (<see cref="AgentRunInput.Trace"/>).</summary>
    public Observability.TraceContext? Trace { get; init; }
}
