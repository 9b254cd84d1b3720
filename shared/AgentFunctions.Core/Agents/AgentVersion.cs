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

    /// <summary>The id versions had before it was padded; still read, so agents made by earlier builds keep their history.</summary>
    public static string LegacyIdFor(string agentId, int number) => $"{agentId}.v{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public static string IdFor(string agentId, int number) => $"{agentId}.v{number.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)}";
}
