using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// The shared count of one fixed one-minute window of one rate (a key's or the tenant's), in the tenant's partition.
/// Instances claim permits from it in blocks, with ETag concurrency; id <c>rate.{scope}.{window}</c>.
/// </summary>
public sealed record RateWindow(string Id, TenantId TenantId, string Scope, long WindowStart, int Limit, int Claimed, DateTimeOffset ExpiresAt) : IDocument
{
    public static string Kind => "rate_window";

    public static string IdFor(string scope, long windowStart) => $"rate.{scope}.{windowStart}";
}
