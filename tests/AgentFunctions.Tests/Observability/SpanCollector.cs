using System.Collections;
using System.Diagnostics;

namespace AgentFunctions.Tests.Observability;

/// <summary>
/// A thread-safe collection for the in-memory exporter. Listeners are process-wide, so the collector sees spans of
/// every test running at the same time: a test reads only its own trace (<see cref="Trace"/>).
/// </summary>
public sealed class SpanCollector<T> : ICollection<T>
{
    private readonly List<T> items = [];

    public int Count
    {
        get { lock (items) return items.Count; }
    }

    public bool IsReadOnly => false;

    public void Add(T item)
    {
        lock (items) items.Add(item);
    }

    public void Clear()
    {
        lock (items) items.Clear();
    }

    public bool Contains(T item)
    {
        lock (items) return items.Contains(item);
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (items) items.CopyTo(array, arrayIndex);
    }

    public bool Remove(T item)
    {
        lock (items) return items.Remove(item);
    }

    public List<T> Snapshot()
    {
        lock (items) return [.. items];
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public static class SpanCollectorExtensions
{
    public static List<Activity> Trace(this SpanCollector<Activity> spans, ActivityTraceId traceId) =>
        spans.Snapshot().Where(s => s.TraceId == traceId).ToList();

    /// <summary>Spans of the trace whose parent is neither another span of it nor one of <paramref name="roots"/>: a broken chain.</summary>
    public static List<Activity> Orphans(this IReadOnlyCollection<Activity> trace, params ActivitySpanId[] roots)
    {
        var known = trace.Select(s => s.SpanId).Concat(roots).ToHashSet();
        return trace.Where(s => !known.Contains(s.ParentSpanId)).ToList();
    }

    /// <summary>The chain from <paramref name="span"/> up through its parents within the trace.</summary>
    public static List<Activity> Ancestry(this IReadOnlyCollection<Activity> trace, Activity span)
    {
        var bySpan = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var chain = new List<Activity> { span };
        while (bySpan.TryGetValue(chain[^1].ParentSpanId, out var parent) && chain.Count < 100) chain.Add(parent);
        return chain;
    }
}
