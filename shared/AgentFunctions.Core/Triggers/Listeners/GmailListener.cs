using System.Text.Json;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// New Gmail messages in a label: the mailbox's <c>historyId</c> is the cursor (first poll: <c>users/me/profile</c>),
/// each poll reads <c>users/me/history?historyTypes=messageAdded</c> from it and the metadata of each added message.
/// A history id Gmail no longer keeps (404) restarts from the current position and records that messages in between
/// were not seen, rather than failing forever or skipping silently.
/// </summary>
public sealed class GmailListener(IListenerHttp http, ListenerEndpoints endpoints) : ITriggerListener
{
    private const int MaxPagesPerPoll = 10;
    private const int MaxMessagesPerPoll = 200;

    public TriggerSystem System => TriggerSystem.Gmail;

    public string ResourceOf(Trigger trigger) => trigger.Options.LabelId ?? "INBOX";

    public string HostOf(Trigger trigger) => endpoints.Gmail.Host;

    public async Task<PollResult> PollAsync(ListenerPoll poll, ListenerCursor cursor, CancellationToken cancellationToken)
    {
        if (!cursor.Initialized || cursor.Token is null)
        {
            return new PollResult([], cursor with { Initialized = true, Token = await CurrentHistoryIdAsync(poll, cancellationToken).ConfigureAwait(false) });
        }

        // History records in order, each with the messages it added. The cursor moves past a record only when all of
        // its messages were read: a capped poll continues from the last whole record next time, never skipping one.
        var records = new List<(string Id, List<JsonElement> Messages)>();
        string? pageToken = null;
        string? latest = null;
        var complete = false;
        for (var page = 0; page < MaxPagesPerPoll; page++)
        {
            var query = $"gmail/v1/users/me/history?startHistoryId={Uri.EscapeDataString(cursor.Token)}&historyTypes=messageAdded&labelId={Uri.EscapeDataString(poll.Resource)}&maxResults=100"
                + (pageToken is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(pageToken));
            JsonDocument document;
            try
            {
                document = await http.GetJsonAsync(Get(poll, query), 4 * 1024 * 1024, cancellationToken).ConfigureAwait(false);
            }
            catch (ListenerPollException ex) when (ex.Message.Contains(" 404 ", StringComparison.Ordinal))
            {
                var restart = await CurrentHistoryIdAsync(poll, cancellationToken).ConfigureAwait(false);
                throw new ListenerCursorResetException(cursor with { Token = restart },
                    $"Gmail no longer keeps history from {cursor.Token}; restarted from {restart}. Messages that arrived in between were not seen.");
            }
            using (document)
            {
                var root = document.RootElement;
                latest = root.TryGetProperty("historyId", out var h) ? h.GetString() : latest;
                if (root.TryGetProperty("history", out var history) && history.ValueKind == JsonValueKind.Array)
                {
                    foreach (var entry in history.EnumerateArray())
                    {
                        var id = HttpPollListener.Field(entry, "id") ?? throw new ListenerPollException("A Gmail history record has no id.");
                        var messages = new List<JsonElement>();
                        if (entry.TryGetProperty("messagesAdded", out var added) && added.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var m in added.EnumerateArray())
                            {
                                if (m.TryGetProperty("message", out var message)) messages.Add(message.Clone());
                            }
                        }
                        records.Add((id, messages));
                    }
                }
                pageToken = root.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
            }
            if (pageToken is null)
            {
                complete = true;
                break;
            }
        }

        var taken = new List<JsonElement>();
        string? lastWhole = null;
        foreach (var (id, messages) in records)
        {
            if (taken.Count > 0 && taken.Count + messages.Count > MaxMessagesPerPoll)
            {
                complete = false;
                break;
            }
            taken.AddRange(messages);
            lastWhole = id;
        }

        var items = new List<PolledItem>();
        foreach (var message in taken.DistinctBy(m => HttpPollListener.Field(m, "id")))
        {
            var id = HttpPollListener.Field(message, "id") ?? throw new ListenerPollException("A Gmail history entry has a message without an id.");
            try
            {
                using var metadata = await http.GetJsonAsync(Get(poll,
                    $"gmail/v1/users/me/messages/{Uri.EscapeDataString(id)}?format=metadata&metadataHeaders=From&metadataHeaders=Subject&metadataHeaders=Date"), 1024 * 1024, cancellationToken).ConfigureAwait(false);
                items.Add(new PolledItem(id, null, metadata.RootElement.Clone()));
            }
            catch (ListenerPollException ex) when (ex.Message.Contains(" 404 ", StringComparison.Ordinal))
            {
                // Deleted between arriving and being read: nothing to wake the agent for, and no reason to stall the rest.
            }
        }
        var result = ItemCursor.Advance(cursor, items, emitOnFirstPoll: false);
        var token = complete ? latest ?? lastWhole ?? cursor.Token : lastWhole ?? cursor.Token;
        return result with { Cursor = result.Cursor with { Token = token } };
    }

    private async Task<string> CurrentHistoryIdAsync(ListenerPoll poll, CancellationToken cancellationToken)
    {
        using var profile = await http.GetJsonAsync(Get(poll, "gmail/v1/users/me/profile"), 64 * 1024, cancellationToken).ConfigureAwait(false);
        return HttpPollListener.Field(profile.RootElement, "historyId") ?? throw new ListenerPollException("Gmail's profile has no historyId.");
    }

    private HttpRequestMessage Get(ListenerPoll poll, string relative)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoints.Gmail, relative));
        foreach (var (name, value) in poll.Headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }
}

/// <summary>A poll that could not continue from its cursor and moved it: the new cursor is kept, the reason recorded.</summary>
public sealed class ListenerCursorResetException(ListenerCursor cursor, string message) : Exception(message)
{
    public ListenerCursor Cursor { get; } = cursor;
}
