namespace AgentFunctions.Local.Orchestration;

/// <summary>The runner's history log. Appends reach the OS before they return (a killed process loses nothing);
/// <see cref="WaitDurableAsync"/> waits for the fsync that covers a sequence number (power loss loses nothing).</summary>
internal interface IOrchestrationJournal : IDisposable
{
    long Length { get; }

    IReadOnlyList<JournalRecord> ReadAll();

    long Append(JournalRecord record);

    ValueTask WaitDurableAsync(long sequence);

    /// <summary>Replaces the whole log with <paramref name="records"/> atomically (compaction).</summary>
    void Rewrite(IReadOnlyList<JournalRecord> records);
}
