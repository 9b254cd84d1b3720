namespace AgentFunctions.Local.Documents;

/// <summary>When the local document store rewrites its log as a snapshot of the live records.</summary>
public sealed record FileDocumentStoreOptions
{
    public static readonly FileDocumentStoreOptions Default = new();

    /// <summary>The log is never compacted below this size, so small stores never pay for a rewrite.</summary>
    public long CompactionMinimumBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The log is compacted once it is this many times larger than the live records it describes.</summary>
    public double CompactionRatio { get; init; } = 4;

    internal void Validate()
    {
        if (CompactionMinimumBytes < 0) throw new ArgumentOutOfRangeException(nameof(CompactionMinimumBytes), "Must not be negative.");
        if (!(CompactionRatio >= 1)) throw new ArgumentOutOfRangeException(nameof(CompactionRatio), "Must be at least 1.");
    }
}
