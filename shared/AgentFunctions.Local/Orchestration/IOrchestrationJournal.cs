namespace AgentFunctions.Local.Orchestration;

/// <summary>The runner's history log. Appends reach the OS before they return (a killed process loses nothing);
/// <see cref="WaitDurableAsync"/> waits for the fsync that covers a sequence number (power loss loses nothing).</summary>
internal interface IOrchestrationJournal : IDisposable
{
    long Length { get; }

    IReadOnlyList<JournalRecord> ReadAll();

    long Append(JournalRecord record);

    /// <summary>
    /// Appends <paramref name="record"/> given as <paramref name="encoded"/> (its <see cref="JournalRecord.Encode"/>, done by
    /// the caller before it takes the runner-wide append lock). A journal that does not write bytes itself appends the record.
    /// </summary>
    long Append(JournalRecord record, byte[] encoded) => Append(record);

    ValueTask WaitDurableAsync(long sequence);

    /// <summary>Replaces the whole log with <paramref name="records"/> atomically (compaction).</summary>
    void Rewrite(IReadOnlyList<JournalRecord> records);
}
