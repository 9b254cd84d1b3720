using System.Globalization;
using System.Text.Json;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// Any JSON feed: GET <c>options.url</c>, the items at <c>options.items_path</c> (dot path; empty for a top-level
/// array), each identified by <c>options.id_field</c> and ordered by <c>options.timestamp_field</c> when it has one.
/// </summary>
public sealed class HttpPollListener(IListenerHttp http) : ITriggerListener
{
    public const int MaxResponseBytes = 4 * 1024 * 1024;
    public const int MaxItemsPerPoll = 1000;

    public TriggerSystem System => TriggerSystem.HttpPoll;

    /// <summary>The URL with how its answer is read: two triggers on one URL that read it differently are two listeners.</summary>
    public string ResourceOf(Trigger trigger) =>
        $"{trigger.Options.Url}\n{trigger.Options.ItemsPath}\n{trigger.Options.IdField ?? "id"}\n{trigger.Options.TimestampField}";

    public string HostOf(Trigger trigger) => Uri.TryCreate(trigger.Options.Url, UriKind.Absolute, out var url) ? url.Host : string.Empty;

    public async Task<PollResult> PollAsync(ListenerPoll poll, ListenerCursor cursor, CancellationToken cancellationToken)
    {
        var options = poll.Trigger.Options;
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Url);
        request.Headers.Accept.ParseAdd("application/json");
        foreach (var (name, value) in poll.Headers) request.Headers.TryAddWithoutValidation(name, value);
        using var document = await http.GetJsonAsync(request, MaxResponseBytes, cancellationToken).ConfigureAwait(false);

        var items = Navigate(document.RootElement, options.ItemsPath);
        if (items.ValueKind != JsonValueKind.Array)
        {
            throw new ListenerPollException($"items_path '{options.ItemsPath ?? ""}' does not lead to an array in the response.");
        }
        var seen = new List<PolledItem>();
        foreach (var item in items.EnumerateArray().Take(MaxItemsPerPoll))
        {
            var id = Field(item, options.IdField ?? "id");
            if (id is null) throw new ListenerPollException($"An item has no '{options.IdField ?? "id"}' field.");
            DateTimeOffset? timestamp = null;
            if (options.TimestampField is { } field)
            {
                var text = Field(item, field) ?? throw new ListenerPollException($"Item '{id}' has no '{field}' field.");
                timestamp = ParseTime(text) ?? throw new ListenerPollException($"Item '{id}': '{field}' is not a time ('{Trim(text)}').");
            }
            seen.Add(new PolledItem(id, timestamp, item.Clone()));
        }
        return ItemCursor.Advance(cursor, seen, poll.Backfill);
    }

    internal static JsonElement Navigate(JsonElement root, string? path)
    {
        var current = root;
        foreach (var part in (path ?? string.Empty).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current)) return default;
        }
        return current;
    }

    internal static string? Field(JsonElement item, string path)
    {
        var value = Navigate(item, path);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>ISO 8601 text, or Unix time in seconds or milliseconds.</summary>
    internal static DateTimeOffset? ParseTime(string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(number) : DateTimeOffset.FromUnixTimeSeconds(number);
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
    }

    private static string Trim(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

/// <summary>A poll that failed for a reason worth showing the user (bad response shape, not a time, ...).</summary>
public sealed class ListenerPollException(string message) : Exception(message);
