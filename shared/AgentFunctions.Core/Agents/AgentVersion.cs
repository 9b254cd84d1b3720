using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Agents;

/// <summary>
/// An immutable snapshot of an agent's spec. Id is <c>{agentId}.v{number:D6}</c>: zero-padded, so the store's id order is
/// version order and the versions list pages oldest first.
/// </summary>
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

    public static string IdFor(string agentId, int number) => $"{agentId}.v{number.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}";
}
