using AgentFunctions.Local.Orchestration;

namespace AgentFunctions.Tests.Engine;

/// <summary>
/// A journal that "kills the process" right after its Nth record reaches the file: that append and every later one
/// throw, so the runner abandons its instances exactly as a crash after that record would leave them.
/// </summary>
internal sealed class CrashingJournal(IOrchestrationJournal inner, int crashAfter) : IOrchestrationJournal
{
    private int appended;

    public TaskCompletionSource Crashed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Length => inner.Length;

    public IReadOnlyList<JournalRecord> ReadAll() => inner.ReadAll();

    public long Append(JournalRecord record)
    {
        if (Crashed.Task.IsCompleted) throw new IOException("simulated crash: the process is gone");
        var sequence = inner.Append(record);
        if (Interlocked.Increment(ref appended) == crashAfter)
        {
            Crashed.TrySetResult();
            throw new IOException($"simulated crash after journal record {crashAfter}");
        }
        return sequence;
    }

    public ValueTask WaitDurableAsync(long sequence) => inner.WaitDurableAsync(sequence);

    public void Rewrite(IReadOnlyList<JournalRecord> records) => inner.Rewrite(records);

    public void Dispose() => inner.Dispose();
}
