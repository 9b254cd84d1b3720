using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// HubSpot CRM records created or changed: <c>POST /crm/v3/objects/{objectType}/search</c> filtered on the last-modified
/// property (GTE the watermark, ascending, 100 a page), as HubSpot documents for polling. An item is one change of one
/// record (<c>{id}@{updatedAt}</c>), so a record changed twice wakes the agent twice, and a change seen at the watermark
/// again is recognised by its id.
/// </summary>
public sealed class HubSpotListener(IListenerHttp http, ListenerEndpoints endpoints) : ITriggerListener
{
    public static readonly IReadOnlyList<string> ObjectTypes = ["contacts", "companies", "deals", "tickets"];

    private const int PageSize = 100;
    private const int MaxPagesPerPoll = 10;

    public TriggerSystem System => TriggerSystem.Hubspot;

    public string ResourceOf(Trigger trigger) => trigger.Options.ObjectType ?? "contacts";

    public string HostOf(Trigger trigger) => endpoints.HubSpot.Host;

    public async Task<PollResult> PollAsync(ListenerPoll poll, ListenerCursor cursor, CancellationToken cancellationToken)
    {
        if (!cursor.Initialized && !poll.Backfill)
        {
            // The first poll only sets the position: from now on.
            return new PollResult([], cursor with { Initialized = true, Watermark = poll.Now, IdsAtWatermark = [] });
        }
        // Contacts name the property differently from every other object.
        var property = poll.Resource == "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
        var from = cursor.Watermark?.ToUnixTimeMilliseconds() ?? 0;
        var seen = new List<PolledItem>();
        string? after = null;
        for (var page = 0; page < MaxPagesPerPoll; page++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoints.HubSpot, $"crm/v3/objects/{poll.Resource}/search"))
            {
                Content = JsonContent.Create(new
                {
                    filterGroups = new[] { new { filters = new[] { new { propertyName = property, @operator = "GTE", value = from.ToString(CultureInfo.InvariantCulture) } } } },
                    sorts = new[] { new { propertyName = property, direction = "ASCENDING" } },
                    properties = new[] { property },
                    limit = PageSize,
                    after = after ?? "0",
                }),
            };
            foreach (var (name, value) in poll.Headers) request.Headers.TryAddWithoutValidation(name, value);
            using var document = await http.GetJsonAsync(request, 4 * 1024 * 1024, cancellationToken).ConfigureAwait(false);
            var root = document.RootElement;
            if (!root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                throw new ListenerPollException("HubSpot's search answer has no 'results' array.");
            }
            foreach (var record in results.EnumerateArray())
            {
                var id = HttpPollListener.Field(record, "id") ?? throw new ListenerPollException("A HubSpot record has no id.");
                var updated = HttpPollListener.Field(record, "updatedAt") is { } text ? HttpPollListener.ParseTime(text) : null;
                if (updated is null) throw new ListenerPollException($"HubSpot record '{id}' has no updatedAt.");
                seen.Add(new PolledItem($"{id}@{updated.Value.ToUnixTimeMilliseconds()}", updated, record.Clone()));
            }
            after = root.TryGetProperty("paging", out var paging) && paging.TryGetProperty("next", out var next) && next.TryGetProperty("after", out var a) ? a.GetString() : null;
            if (after is null) break;
        }
        return ItemCursor.Advance(cursor with { Initialized = true }, seen, emitOnFirstPoll: true);
    }
}
