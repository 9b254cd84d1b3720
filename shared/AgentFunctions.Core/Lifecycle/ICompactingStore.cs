namespace AgentFunctions.Lifecycle;

/// <summary>
/// A store whose deletes stay on disk until it compacts (the local append-only logs). After a tenant deletion the
/// lifecycle compacts it, so the tenant's bytes are gone from disk, not only from reads.
/// </summary>
public interface ICompactingStore
{
    Task CompactAsync(CancellationToken cancellationToken = default);
}
