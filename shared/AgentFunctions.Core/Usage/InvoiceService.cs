using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Usage;

/// <summary>
/// Invoice drafts: a month's usage summed per meter and model, priced with the plan version in force when each event
/// happened, in exact <see cref="decimal"/>. Recomputable: the same events give the same draft; different sums give a
/// new revision, never an edit of an old one.
/// </summary>
public sealed class InvoiceService(IUsageStore usage, IDocumentStore store, PlanService plans, TimeProvider time, ILogger<InvoiceService> logger)
{
    public const string RoundingRule =
        "Each line's amount is quantity / unit size x unit price, computed exactly in decimal and rounded once to 2 decimal places, half to even (banker's rounding); the total is the sum of the rounded lines.";

    private const long Thousand = 1_000;
    private const long Gigabyte = 1_000_000_000;

    /// <summary>Reads <c>yyyy-MM</c>; a month that has not begun is refused.</summary>
    public (DateTimeOffset From, DateTimeOffset To) ParsePeriod(string? period)
    {
        if (period is null || !DateTime.TryParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            throw ValidationFailedException.For("period", "must be a month as yyyy-MM, e.g. 2026-11");
        }
        var from = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
        if (from > time.GetUtcNow()) throw ValidationFailedException.For("period", "must be the current month or an earlier one");
        return (from, from.AddMonths(1));
    }

    /// <summary>Generates (or finds unchanged) the tenant's draft for <paramref name="period"/>.</summary>
    public async Task<InvoiceDraft> GenerateAsync(TenantId tenant, string? period, CancellationToken cancellationToken = default)
    {
        var (from, to) = ParsePeriod(period);
        var planId = await plans.PlanIdOfAsync(tenant, cancellationToken).ConfigureAwait(false);
        var versions = planId is null ? [] : await plans.VersionsAsync(planId, cancellationToken).ConfigureAwait(false);
        var lines = new List<InvoiceLine>();
        long events = 0;
        var used = new SortedSet<int>();
        foreach (var (segmentFrom, segmentTo, plan) in Segments(versions, from, to))
        {
            var totals = await usage.SumAsync(tenant, segmentFrom, segmentTo, UsageDimensions.Model, cancellationToken).ConfigureAwait(false);
            if (totals.Count == 0) continue;
            used.Add(plan?.Version ?? 0);
            events += totals.Sum(t => t.Events);
            lines.AddRange(Price(totals, plan));
        }
        var merged = lines
            .GroupBy(l => (l.Meter, l.Model, l.PlanVersion))
            .Select(g => Line(g.Key.Meter, g.Key.Model, g.Sum(l => l.Quantity), g.First().Unit, g.First().UnitSize, g.First().UnitPrice, g.Key.PlanVersion))
            .OrderBy(l => l.Meter, StringComparer.Ordinal).ThenBy(l => l.Model ?? string.Empty, StringComparer.Ordinal).ThenBy(l => l.PlanVersion)
            .ToList();
        var currency = versions.LastOrDefault()?.Prices.Currency ?? "USD";
        var total = merged.Sum(l => l.Amount);
        var hash = Hash(period!, planId, used, currency, merged, events);

        var documents = store.For(tenant);
        for (var attempt = 0; ; attempt++)
        {
            var latest = await LatestAsync(documents, period!, cancellationToken).ConfigureAwait(false);
            if (latest is not null && latest.ContentHash == hash) return latest;
            var revision = (latest?.Revision ?? 0) + 1;
            var draft = new InvoiceDraft(InvoiceDraft.IdFor(tenant, period!, revision), tenant, period!, revision, planId, used.ToList(), currency, merged, total, events,
                RoundingRule, hash, latest?.Id, time.GetUtcNow());
            try
            {
                await documents.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Invoice draft {InvoiceId} of tenant {TenantId}: {LineCount} lines, total {Total} {Currency}", draft.Id, tenant.Value, merged.Count, total, currency);
                return draft;
            }
            catch (DocumentConflictException) when (attempt < 5)
            {
                // Another generation wrote this revision first: compare with it.
            }
        }
    }

    /// <summary>Every tenant's draft for <paramref name="period"/> (the monthly job).</summary>
    public async Task<int> GenerateAllAsync(string period, CancellationToken cancellationToken = default)
    {
        var tenants = await store.For(TenantId.Platform).ListAsync<TenantDirectoryEntry>(cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var entry in tenants)
        {
            if (!TenantId.TryParse(entry.Value.Id, out var tenant)) continue;
            try
            {
                await GenerateAsync(tenant, period, cancellationToken).ConfigureAwait(false);
                count++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Invoice draft of tenant {TenantId} for {Period} failed", tenant.Value, period);
            }
        }
        return count;
    }

    /// <summary>The month before the one <paramref name="now"/> is in, as <c>yyyy-MM</c>.</summary>
    public static string PreviousPeriod(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public Task<ListPage<Versioned<InvoiceDraft>>> ListAsync(TenantId tenant, ListRequest request, CancellationToken cancellationToken = default) =>
        ListCursor.ReadAsync<InvoiceDraft>(store.For(tenant), "invoices", request, newestFirst: true, cancellationToken);

    public async Task<InvoiceDraft> GetAsync(TenantId tenant, string invoiceId, CancellationToken cancellationToken = default)
    {
        if (!Ids.LooksValid(invoiceId)) throw new NotFoundException($"The invoice '{invoiceId}'");
        return (await store.For(tenant).GetAsync<InvoiceDraft>(invoiceId, cancellationToken).ConfigureAwait(false))?.Value
            ?? throw new NotFoundException($"The invoice '{invoiceId}'");
    }

    public static string ToCsv(InvoiceDraft draft)
    {
        var csv = new StringBuilder("invoice_id,period,revision,meter,model,quantity,unit,unit_price,amount,currency,plan_version\n");
        foreach (var line in draft.Lines)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{draft.Id},{draft.Period},{draft.Revision},{line.Meter},{Csv.Field(line.Model)},{line.Quantity},{Csv.Field(line.Unit)},{line.UnitPrice},{line.Amount},{draft.Currency},{line.PlanVersion}\n");
        }
        csv.Append(CultureInfo.InvariantCulture, $"{draft.Id},{draft.Period},{draft.Revision},total,,,,,{draft.Total},{draft.Currency},\n");
        return csv.ToString();
    }

    private static async Task<InvoiceDraft?> LatestAsync(ITenantDocuments documents, string period, CancellationToken cancellationToken) =>
        (await documents.ListAsync<InvoiceDraft>(cancellationToken, new FieldEquals("period", period)).ConfigureAwait(false))
            .Select(d => d.Value).MaxBy(d => d.Revision);

    /// <summary>The period cut where plan versions change; before the first version the plan had no prices.</summary>
    private static IEnumerable<(DateTimeOffset From, DateTimeOffset To, PlanVersion? Plan)> Segments(IReadOnlyList<PlanVersion> versions, DateTimeOffset from, DateTimeOffset to)
    {
        var cursor = from;
        PlanVersion? current = versions.LastOrDefault(v => v.EffectiveFrom <= from);
        foreach (var next in versions.Where(v => v.EffectiveFrom > from && v.EffectiveFrom < to))
        {
            yield return (cursor, next.EffectiveFrom, current);
            cursor = next.EffectiveFrom;
            current = next;
        }
        yield return (cursor, to, current);
    }

    private static IEnumerable<InvoiceLine> Price(IReadOnlyList<UsageTotal> totals, PlanVersion? plan)
    {
        var prices = plan?.Prices ?? PlanPrices.Free;
        var version = plan?.Version ?? 0;
        var cached = totals.Where(t => t.Meter == UsageMeters.ModelCachedTokens).ToDictionary(t => t.Model ?? string.Empty, t => t.Quantity, StringComparer.Ordinal);
        foreach (var t in totals)
        {
            var model = prices.PriceOf(t.Model);
            yield return t.Meter switch
            {
                // Cached tokens are part of the input: the input line bills the uncached ones, the cached line the rest.
                UsageMeters.ModelInputTokens => Line(t.Meter, t.Model, t.Quantity - cached.GetValueOrDefault(t.Model ?? string.Empty), "1K tokens", Thousand, model.InputPer1K, version),
                UsageMeters.ModelCachedTokens => Line(t.Meter, t.Model, t.Quantity, "1K tokens", Thousand, model.CachedInputPer1K, version),
                UsageMeters.ModelOutputTokens => Line(t.Meter, t.Model, t.Quantity, "1K tokens", Thousand, model.OutputPer1K, version),
                UsageMeters.ToolCalls => Line(t.Meter, null, t.Quantity, "call", 1, prices.ToolCall, version),
                UsageMeters.KnowledgeQueries => Line(t.Meter, null, t.Quantity, "query", 1, prices.KnowledgeQuery, version),
                UsageMeters.BytesIndexed => Line(t.Meter, null, t.Quantity, "GB", Gigabyte, prices.GbMonth, version),
                UsageMeters.EmbeddingTokens => Line(t.Meter, null, t.Quantity, "1K tokens", Thousand, prices.EmbeddingPer1K, version),
                UsageMeters.TriggerEvents => Line(t.Meter, null, t.Quantity, "event", 1, prices.TriggerEvent, version),
                UsageMeters.RunSeconds => Line(t.Meter, null, t.Quantity, "second", 1, prices.RunSecond, version),
                _ => Line(t.Meter, t.Model, t.Quantity, "unit", 1, 0m, version),
            };
        }
    }

    private static InvoiceLine Line(string meter, string? model, long quantity, string unit, long unitSize, decimal unitPrice, int version) =>
        new(meter, model, quantity, unit, unitSize, unitPrice, Math.Round(quantity * unitPrice / unitSize, 2, MidpointRounding.ToEven), version);

    private static string Hash(string period, string? planId, IEnumerable<int> versions, string currency, IEnumerable<InvoiceLine> lines, long events)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{period}\n{planId}\n{string.Join(',', versions)}\n{currency}\n{events}\n");
        foreach (var l in lines) text.Append(CultureInfo.InvariantCulture, $"{l.Meter}|{l.Model}|{l.Quantity}|{l.Unit}|{l.UnitSize}|{l.UnitPrice}|{l.Amount}|{l.PlanVersion}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>RFC 4180 fields: quoted when they hold a comma, quote or line break.</summary>
public static class Csv
{
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return string.Empty;
        // A leading =, +, - or @ would be a formula in a spreadsheet.
        if (value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
