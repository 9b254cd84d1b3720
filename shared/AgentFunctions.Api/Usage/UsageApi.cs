using System.Globalization;
using System.Text;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Usage;

/// <summary>
/// <c>GET /api/v1/usage?from=&amp;to=&amp;group_by=</c>: the caller's tenant's usage summed per meter and the chosen
/// dimensions (agent, model, day, user, tool; comma-separated or repeated), paged; the whole result as CSV with
/// <c>Accept: text/csv</c>. <c>from</c> and <c>to</c> are dates or ISO 8601 instants (UTC), <c>to</c> exclusive;
/// the default is the current month.
/// </summary>
public sealed class UsageApi(IUsageStore usage, TimeProvider time)
{
    public const int MaxRangeDays = 366;

    private static readonly Dictionary<string, UsageDimensions> Dimensions = new(StringComparer.Ordinal)
    {
        ["agent"] = UsageDimensions.Agent,
        ["model"] = UsageDimensions.Model,
        ["day"] = UsageDimensions.Day,
        ["user"] = UsageDimensions.User,
        ["tool"] = UsageDimensions.Tool,
        ["meter"] = UsageDimensions.None,
    };

    public Task<IResult> Get(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewBilling, async caller =>
    {
        var request = ListQuery.Read(http.Request, "from", "to", "group_by");
        var (from, to, groupBy) = ReadQuery(http.Request);
        var totals = await usage.SumAsync(caller.Tenant, from, to, groupBy, http.RequestAborted);
        if (WantsCsv(http.Request)) return Results.Text(ToCsv(totals, groupBy), "text/csv; charset=utf-8", Encoding.UTF8);

        var list = $"usage|{from.ToUnixTimeMilliseconds()}|{to.ToUnixTimeMilliseconds()}|{(int)groupBy}";
        var offset = 0;
        if (ListCursor.Open(caller.Tenant, list, request.Cursor) is { } opened
            && (!int.TryParse(opened, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > totals.Count))
        {
            throw ValidationFailedException.For("cursor", "is not a cursor this list issued; start again without a cursor");
        }
        var page = totals.Skip(offset).Take(request.Limit).Select(t => Row(t, groupBy)).ToList();
        var next = offset + page.Count < totals.Count ? ListCursor.Seal(caller.Tenant, list, (offset + page.Count).ToString(CultureInfo.InvariantCulture)) : null;
        return ApiResults.Ok(new ListPage<IReadOnlyDictionary<string, object?>>(page, next));
    });

    public static bool WantsCsv(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase));

    private (DateTimeOffset From, DateTimeOffset To, UsageDimensions GroupBy) ReadQuery(HttpRequest request)
    {
        var validation = new Validation();
        var (monthStart, monthEnd) = UsageTally.MonthOf(time.GetUtcNow());
        var from = ReadInstant(request, "from", monthStart, validation);
        var to = ReadInstant(request, "to", request.Query.ContainsKey("from") ? from.AddMonths(1) : monthEnd, validation);
        if (validation.IsValid)
        {
            validation.Require(from < to, "to", "must be after from");
            validation.Require(to - from <= TimeSpan.FromDays(MaxRangeDays), "to", $"must be at most {MaxRangeDays} days after from");
        }
        var groupBy = UsageDimensions.None;
        foreach (var value in request.Query["group_by"])
        {
            foreach (var name in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                if (Dimensions.TryGetValue(name, out var dimension)) groupBy |= dimension;
                else validation.Add("group_by", $"'{Truncate(name)}' is not one of: {string.Join(", ", Dimensions.Keys)}");
            }
        }
        validation.ThrowIfInvalid();
        return (from, to, groupBy);
    }

    private static DateTimeOffset ReadInstant(HttpRequest request, string field, DateTimeOffset fallback, Validation validation)
    {
        if (!request.Query.TryGetValue(field, out var values)) return fallback;
        if (values.Count == 1 && values[0] is { Length: > 0 and <= 40 } text)
        {
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
                && text.Contains('T', StringComparison.Ordinal))
            {
                return instant;
            }
        }
        validation.Add(field, "must be a date (yyyy-MM-dd) or an ISO 8601 instant, given once");
        return fallback;
    }

    private static IReadOnlyDictionary<string, object?> Row(UsageTotal total, UsageDimensions groupBy)
    {
        var row = new Dictionary<string, object?>(StringComparer.Ordinal) { ["meter"] = total.Meter };
        if (groupBy.HasFlag(UsageDimensions.Agent)) row["agent_id"] = total.Agent;
        if (groupBy.HasFlag(UsageDimensions.Model)) row["model"] = total.Model;
        if (groupBy.HasFlag(UsageDimensions.Day)) row["day"] = total.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (groupBy.HasFlag(UsageDimensions.User)) row["user_id"] = total.User;
        if (groupBy.HasFlag(UsageDimensions.Tool)) row["tool"] = total.Tool;
        row["quantity"] = total.Quantity;
        row["events"] = total.Events;
        return row;
    }

    private static string ToCsv(IReadOnlyList<UsageTotal> totals, UsageDimensions groupBy)
    {
        var csv = new StringBuilder();
        var header = new List<string> { "meter" };
        if (groupBy.HasFlag(UsageDimensions.Agent)) header.Add("agent_id");
        if (groupBy.HasFlag(UsageDimensions.Model)) header.Add("model");
        if (groupBy.HasFlag(UsageDimensions.Day)) header.Add("day");
        if (groupBy.HasFlag(UsageDimensions.User)) header.Add("user_id");
        if (groupBy.HasFlag(UsageDimensions.Tool)) header.Add("tool");
        header.AddRange(["quantity", "events"]);
        csv.Append(string.Join(',', header)).Append('\n');
        foreach (var total in totals)
        {
            var row = Row(total, groupBy);
            csv.Append(string.Join(',', row.Values.Select(v => Csv.Field(Convert.ToString(v, CultureInfo.InvariantCulture))))).Append('\n');
        }
        return csv.ToString();
    }

    private static string Truncate(string text) => text.Length <= 20 ? text : text[..20] + "…";
}
