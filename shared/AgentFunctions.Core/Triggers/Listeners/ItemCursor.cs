namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// The watermark rule every timestamped source shares: an item is new when it is later than the watermark, or at the
/// watermark with an id not seen there. Items without a timestamp are new when their id is not among the recent ids.
/// </summary>
public static class ItemCursor
{
    /// <summary>How many ids an id-only cursor remembers.</summary>
    public const int MaxRecentIds = 5000;

    public static PollResult Advance(ListenerCursor cursor, IReadOnlyList<PolledItem> seen, bool emitOnFirstPoll)
    {
        var timestamped = seen.Where(i => i.Timestamp is not null).ToList();
        var untimed = seen.Where(i => i.Timestamp is null).ToList();

        var atWatermark = new HashSet<string>(cursor.IdsAtWatermark, StringComparer.Ordinal);
        var recent = new HashSet<string>(cursor.RecentIds, StringComparer.Ordinal);
        var fresh = new List<PolledItem>();
        foreach (var item in timestamped.OrderBy(i => i.Timestamp).ThenBy(i => i.Id, StringComparer.Ordinal))
        {
            var isNew = cursor.Watermark is not { } watermark || item.Timestamp > watermark || (item.Timestamp == watermark && !atWatermark.Contains(item.Id));
            if (isNew) fresh.Add(item);
        }
        foreach (var item in untimed)
        {
            if (!recent.Contains(item.Id)) fresh.Add(item);
        }
        // One item twice in the same answer (a feed that repeats itself) is one item.
        fresh = fresh.DistinctBy(i => i.Id, StringComparer.Ordinal).ToList();

        var watermarkAfter = cursor.Watermark;
        var idsAfter = atWatermark;
        if (timestamped.Count > 0)
        {
            var newest = timestamped.Max(i => i.Timestamp)!.Value;
            if (watermarkAfter is null || newest > watermarkAfter)
            {
                watermarkAfter = newest;
                idsAfter = new HashSet<string>(StringComparer.Ordinal);
            }
            foreach (var item in timestamped.Where(i => i.Timestamp == watermarkAfter)) idsAfter.Add(item.Id);
        }
        var recentAfter = cursor.RecentIds.Concat(untimed.Select(i => i.Id).Where(id => !recent.Contains(id))).ToList();
        if (recentAfter.Count > MaxRecentIds) recentAfter = recentAfter[^MaxRecentIds..];

        var next = cursor with
        {
            Initialized = true,
            Watermark = watermarkAfter,
            IdsAtWatermark = idsAfter.Order(StringComparer.Ordinal).ToList(),
            RecentIds = recentAfter,
        };
        return new PollResult(cursor.Initialized || emitOnFirstPoll ? fresh : [], next);
    }
}
