using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// How long a tenant keeps finished runs, conversations and trigger events, in days; null keeps them (the default).
/// One record per tenant, in its own partition.
/// </summary>
public sealed record RetentionPolicy(string Id, TenantId TenantId, int? RunsDays, int? ConversationsDays, int? EventsDays, DateTimeOffset? UpdatedAt) : IDocument
{
    public const string SingletonId = "retention";

    /// <summary>The longest period one can set (ten years); anything longer is "keep", which is null.</summary>
    public const int MaxDays = 3650;

    public static string Kind => "retention_policy";

    public static RetentionPolicy KeepEverything(TenantId tenant) => new(SingletonId, tenant, null, null, null, null);

    public bool KeepsEverything => RunsDays is null && ConversationsDays is null && EventsDays is null;
}

/// <summary>What one retention pass removed from one tenant.</summary>
public sealed record RetentionReport(string TenantId, long Runs, long ToolExecutions, long Instances, long Sessions, long Messages, long Events)
{
    public long Total => Runs + ToolExecutions + Instances + Sessions + Messages + Events;
}
