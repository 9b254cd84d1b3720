using AgentFunctions.Local.Orchestration;

namespace AgentFunctions.Tests.Engine;

/// <summary>A journal that lets a test wait for a record to reach the file (e.g. a finished call of a fan-out).</summary>
internal sealed class ObservingJournal(IOrchestrationJournal inner) : IOrchestrationJournal
{
    private readonly List<(Func<JournalRecord, bool> Match, TaskCompletionSource Seen)> waiters = [];
    private readonly List<JournalRecord> appended = [];
    private readonly Lock gate = new();

    public long Length => inner.Length;

    public IReadOnlyList<JournalRecord> ReadAll() => inner.ReadAll();

    public long Append(JournalRecord record)
    {
        var sequence = inner.Append(record);
        lock (gate)
        {
            appended.Add(record);
            foreach (var waiter in waiters.Where(w => w.Match(record)).ToList())
            {
                waiter.Seen.TrySetResult();
                waiters.Remove(waiter);
            }
        }
        return sequence;
    }

    /// <summary>Completes once a record matching <paramref name="match"/> has been appended (at once if one was).</summary>
    public Task WaitForAsync(Func<JournalRecord, bool> match)
    {
        lock (gate)
        {
            if (appended.Any(match)) return Task.CompletedTask;
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((match, seen));
            return seen.Task;
        }
    }

    public ValueTask WaitDurableAsync(long sequence) => inner.WaitDurableAsync(sequence);

    public void Rewrite(IReadOnlyList<JournalRecord> records) => inner.Rewrite(records);

    public void Dispose() => inner.Dispose();
}
