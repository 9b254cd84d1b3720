using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Agents;

/// <summary>
/// An agent: its identity, owner and the spec of its active version (denormalised from
/// <see cref="AgentVersion"/> so a read is one point lookup).
/// </summary>
public sealed record Agent(
    string Id,
    TenantId TenantId,
    string OwnerId,
    string TeamId,
    bool Enabled,
    int Version,
    int LatestVersion,
    AgentSpec Spec,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt) : IDocument
{
    public static string Kind => "agent";
}
