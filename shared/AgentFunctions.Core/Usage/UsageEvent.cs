using AgentFunctions.Common;

namespace AgentFunctions.Usage;

/// <summary>
/// One counted quantity on one meter. Append-only; <see cref="Key"/> is derived from what caused it
/// (<see cref="UsageEventKeys"/>), and the store keeps the first event per tenant and key, so a replayed activity or a
/// redelivered message is counted once. <see cref="RootRunId"/> is the run a child (agent-as-tool) run rolls up to: each
/// event is counted once in totals, and grouping by the root run shows the calling run's whole usage.
/// </summary>
public sealed record UsageEvent(
    TenantId Tenant,
    string Key,
    string Meter,
    long Quantity,
    DateTimeOffset OccurredAt,
    string? Model = null,
    string? Tool = null,
    string? AgentId = null,
    string? UserId = null,
    string? KeyId = null,
    string? RunId = null,
    string? RootRunId = null,
    string? CorrelationId = null);
