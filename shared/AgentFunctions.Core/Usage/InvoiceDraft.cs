using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Usage;

/// <summary>
/// A tenant's invoice draft for one month, one revision. Generating again over the same events gives the same
/// <see cref="ContentHash"/> and returns this revision unchanged; a changed sum (a late event) writes revision + 1 and
/// leaves this one as it is. Id <c>inv_{period}_r{revision:000}_{tag}</c>, the tag derived from the tenant, so ids sort by
/// month and revision and no two tenants' drafts share one.
/// </summary>
public sealed record InvoiceDraft(
    string Id,
    TenantId TenantId,
    string Period,
    int Revision,
    string? PlanId,
    IReadOnlyList<int> PlanVersions,
    string Currency,
    IReadOnlyList<InvoiceLine> Lines,
    decimal Total,
    long EventCount,
    string RoundingRule,
    string ContentHash,
    string? Supersedes,
    DateTimeOffset GeneratedAt) : IDocument
{
    public static string Kind => "invoice_draft";

    public static string IdFor(TenantId tenant, string period, int revision) =>
        $"inv_{period}_r{revision:D3}_{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("invoice\n" + tenant.Value)))[..10]}";
}

/// <summary>
/// One line: a meter (and model, for model meters) under one plan version. <see cref="Amount"/> is
/// <c>Quantity / UnitSize × UnitPrice</c>, rounded by <see cref="InvoiceService.RoundingRule"/>.
/// </summary>
public sealed record InvoiceLine(string Meter, string? Model, long Quantity, string Unit, long UnitSize, decimal UnitPrice, decimal Amount, int PlanVersion);
