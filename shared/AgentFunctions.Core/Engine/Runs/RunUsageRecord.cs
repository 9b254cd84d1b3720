using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// Append-only usage of one run, for billing: the run's own tokens and calls (a child run writes its own record,
/// so nothing is counted twice). Id is the run id.
/// </summary>
public sealed record RunUsageRecord(
    string Id,
    TenantId TenantId,
    string RunId,
    string AgentId,
    string UserId,
    string Model,
    int InputTokens,
    int OutputTokens,
    int ModelCalls,
    int ToolCalls,
    DateTimeOffset OccurredAt) : IDocument
{
    public static string Kind => "run_usage";
}
