using System.Text.Json.Serialization;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// One version of a plan: its limits and its unit prices. Every change is a new version (id <c>{plan}.v{000001}</c>) in
/// the platform partition; an invoice prices each event with the version in force when the event happened.
/// </summary>
public sealed record PlanVersion(
    string Id,
    TenantId TenantId,
    string PlanId,
    int Version,
    PlanLimits Limits,
    PlanPrices Prices,
    DateTimeOffset EffectiveFrom) : IDocument
{
    public static string Kind => "plan_version";

    public static string IdFor(string planId, int version) => $"{planId}.v{version:D6}";
}

/// <summary>A plan's limits; null means unlimited.</summary>
public sealed record PlanLimits(
    long? MonthlyTokenBudget = null,
    int? ActiveAgents = null,
    int? Documents = null,
    long? StorageBytes = null,
    int? RequestsPerMinutePerKey = null,
    int? RequestsPerMinutePerTenant = null,
    int? RunsInFlight = null,
    int? TriggerEventsPerDay = null)
{
    public static readonly PlanLimits Unlimited = new();
}

/// <summary>Prices per 1,000 tokens of one model.</summary>
public sealed record ModelPrice(
    [property: JsonPropertyName("input_per_1k")] decimal InputPer1K,
    [property: JsonPropertyName("output_per_1k")] decimal OutputPer1K,
    [property: JsonPropertyName("cached_input_per_1k")] decimal CachedInputPer1K = 0m);

/// <summary>
/// Unit prices, exact decimals in <see cref="Currency"/>. <see cref="Models"/> prices named models; any other model is
/// priced at <see cref="DefaultModel"/>. Storage is priced per GB (10^9 bytes) indexed in the month.
/// </summary>
public sealed record PlanPrices(
    IReadOnlyDictionary<string, ModelPrice>? Models = null,
    ModelPrice? DefaultModel = null,
    decimal ToolCall = 0m,
    decimal KnowledgeQuery = 0m,
    decimal GbMonth = 0m,
    decimal TriggerEvent = 0m,
    [property: JsonPropertyName("embedding_per_1k")] decimal EmbeddingPer1K = 0m,
    decimal RunSecond = 0m,
    string Currency = "USD")
{
    public static readonly PlanPrices Free = new();

    public ModelPrice PriceOf(string? model) =>
        model is not null && Models is not null && Models.TryGetValue(model, out var price) ? price : DefaultModel ?? new ModelPrice(0m, 0m);
}

/// <summary>The body of <c>PUT /api/v1/plans/{plan_id}</c>.</summary>
public sealed record PlanInput(PlanLimits? Limits, PlanPrices? Prices);
