using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Agents;

/// <summary>An immutable snapshot of an agent's spec. Id is <c>{agentId}.v{number}</c>.</summary>
public sealed record AgentVersion(
    string Id,
    TenantId TenantId,
    string AgentId,
    int Number,
    AgentSpec Spec,
    string CreatedBy,
    DateTimeOffset CreatedAt) : IDocument
{
    public static string Kind => "agent_version";

    public static string IdFor(string agentId, int number) => $"{agentId}.v{number}";
}
