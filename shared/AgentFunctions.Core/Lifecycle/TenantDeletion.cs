using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Lifecycle;

public enum TenantDeletionStatus
{
    Running,
    Completed,
}

/// <summary>
/// A tenant deletion in progress or done, kept in the platform partition under the tenant's id: which stores are done and
/// how much each removed. A deletion that was interrupted is picked up again from here (<see cref="TenantDeletionService.ResumeAsync"/>);
/// once completed it is the final report and stays as the record that the tenant was deleted.
/// </summary>
public sealed record TenantDeletion(
    string Id,
    TenantId TenantId,
    TenantDeletionStatus Status,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt,
    IReadOnlyList<TenantDeletionStep> Steps,
    int Passes,
    string? LastError) : IDocument
{
    public static string Kind => "tenant_deletion";

    public long TotalRemoved => Steps.Sum(s => s.Removed);
}

/// <summary>One store's part of a deletion: done or not, and how many items it removed.</summary>
public sealed record TenantDeletionStep(string Store, bool Done, long Removed, DateTimeOffset? CompletedAt);
