using AgentFunctions.Local.Orchestration;

namespace AgentFunctions.Tests.Engine;

/// <summary>Counts appends, to know how many crash points a run has.</summary>
internal sealed class CountingJournal(IOrchestrationJournal inner) : IOrchestrationJournal
{
    private int appended;

    public int Appended => Volatile.Read(ref appended);

    public long Length => inner.Length;

    public IReadOnlyList<JournalRecord> ReadAll() => inner.ReadAll();

    public long Append(JournalRecord record)
    {
        var sequence = inner.Append(record);
        Interlocked.Increment(ref appended);
        return sequence;
    }

    public ValueTask WaitDurableAsync(long sequence) => inner.WaitDurableAsync(sequence);

    public void Rewrite(IReadOnlyList<JournalRecord> records) => inner.Rewrite(records);

    public void Dispose() => inner.Dispose();
}
