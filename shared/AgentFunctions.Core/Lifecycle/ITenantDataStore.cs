using AgentFunctions.Common;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// One store's part in a tenant's data lifecycle. A store that holds tenant data joins export and deletion by
/// implementing this and registering it (<c>services.AddTenantDataStore&lt;T&gt;()</c>); the lifecycle services find
/// every registration, so nothing else changes when a store is added.
/// </summary>
public interface ITenantDataStore
{
    /// <summary>Its name in the export and in the deletion report (snake_case, unique: "documents", "secrets", ...).</summary>
    string Name { get; }

    /// <summary>When it is deleted relative to the others (stores that read the tenant's records go before those records).</summary>
    TenantDataStage Stage { get; }

    /// <summary>
    /// Every record of the tenant this store holds and no other store exports, read page by page (never the whole tenant
    /// in memory). Secrets are never exported. Empty for a store whose contents are derived from, or duplicated by, others.
    /// </summary>
    IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken);

    /// <summary>
    /// Removes everything of the tenant from this store and returns how many items it removed. Idempotent: a deletion
    /// that was interrupted calls it again, and it must finish what is left (and count only that).
    /// </summary>
    Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken);
}

/// <summary>The order of a tenant deletion: access first (no new requests), the tenant's records last.</summary>
public enum TenantDataStage
{
    /// <summary>Keys: once gone, the tenant can start nothing new while the rest is deleted.</summary>
    Access = 0,

    /// <summary>What could start new work: webhook and schedule directory entries, queued events.</summary>
    Intake = 10,

    /// <summary>Running and finished executions (orchestration instances and their history); needs the run records.</summary>
    Execution = 20,

    /// <summary>Content beside the records: index chunks and vectors, uploaded files, vault secrets.</summary>
    Content = 30,

    /// <summary>The tenant's own records, every kind.</summary>
    Records = 40,
}

/// <summary>One exported record: its kind, id and JSON body (UTF-8), as the store holds it minus anything secret.</summary>
public sealed record TenantRecord(string Kind, string Id, ReadOnlyMemory<byte> Json);
