using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Lifecycle;

/// <summary>
/// Deletes a tenant everywhere: each <see cref="ITenantDataStore"/> in stage order, recording progress after each store
/// in a <see cref="TenantDeletion"/>, then the tenant's directory entry last (so the id cannot be taken again until the
/// deletion is complete). Every store's delete is idempotent, so a deletion cut short (a crash, a timeout, a store
/// error) is resumed by <see cref="ResumeAsync"/>, which the lifecycle timer calls, and finishes what is left.
/// </summary>
public sealed class TenantDeletionService(IDocumentStore store, IEnumerable<ITenantDataStore> stores, TimeProvider time, ILogger<TenantDeletionService> logger)
{
    private readonly IReadOnlyList<ITenantDataStore> ordered = stores.OrderBy(s => s.Stage).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();

    private ITenantDocuments Platform => store.For(TenantId.Platform);

    /// <summary>The stores in the order a deletion visits them.</summary>
    public IReadOnlyList<ITenantDataStore> Stores => ordered;

    /// <summary>
    /// Starts (or, for a tenant already being deleted, continues) the deletion and works on it until done or
    /// <paramref name="budget"/> has passed; what is left is finished by <see cref="ResumeAsync"/>.
    /// Throws <see cref="NotFoundException"/> for a tenant that neither exists nor was deleted.
    /// </summary>
    public async Task<TenantDeletion> DeleteAsync(TenantId tenant, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(tenant, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            if (tenant.Value.StartsWith('_')
                || (await Platform.GetAsync<TenantDirectoryEntry>(tenant.Value, cancellationToken).ConfigureAwait(false) is null
                    && await store.For(tenant).GetAsync<Tenant>(tenant.Value, cancellationToken).ConfigureAwait(false) is null))
            {
                throw new NotFoundException("Tenant");
            }
            var started = new TenantDeletion(tenant.Value, TenantId.Platform, TenantDeletionStatus.Running, time.GetUtcNow(), null,
                ordered.Select(s => new TenantDeletionStep(s.Name, false, 0, null)).ToList(), 0, null);
            try
            {
                await Platform.CreateAsync(started, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Tenant {TenantId} deletion requested across {StoreCount} stores", tenant.Value, ordered.Count);
            }
            catch (DocumentConflictException)
            {
                // Requested twice at once: the other request's record stands, and this one helps it along.
            }
        }
        else if (existing.Status == TenantDeletionStatus.Completed)
        {
            return existing;
        }
        return await RunAsync(tenant, budget, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TenantDeletion?> GetAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        (await Platform.GetAsync<TenantDeletion>(tenant.Value, cancellationToken).ConfigureAwait(false))?.Value;

    /// <summary>Picks up every deletion still running (interrupted, or left over by a request's budget) and finishes it.</summary>
    public async Task<IReadOnlyList<TenantDeletion>> ResumeAsync(CancellationToken cancellationToken = default)
    {
        var running = await Platform.ListAsync<TenantDeletion>(cancellationToken, new FieldEquals("status", "running")).ConfigureAwait(false);
        var finished = new List<TenantDeletion>();
        foreach (var deletion in running)
        {
            logger.LogInformation("Resuming the deletion of tenant {TenantId}", deletion.Value.Id);
            finished.Add(await RunAsync(new TenantId(deletion.Value.Id), Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false));
        }
        return finished;
    }

    private async Task<TenantDeletion> RunAsync(TenantId tenant, TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = budget == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : time.GetUtcNow() + budget;
        var current = await Platform.GetAsync<TenantDeletion>(tenant.Value, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException("Tenant deletion");
        if (current.Value.Status == TenantDeletionStatus.Completed) return current.Value;
        current = await SaveAsync(current, d => d with { Passes = d.Passes + 1 }, cancellationToken).ConfigureAwait(false);

        foreach (var part in ordered)
        {
            if (current.Value.Steps.FirstOrDefault(s => s.Store == part.Name) is { Done: true }) continue;
            if (time.GetUtcNow() >= deadline) return current.Value;
            long removed;
            try
            {
                removed = await part.DeleteAsync(tenant, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Left running with the reason: the timer tries again, and the report shows where it stopped.
                logger.LogError(ex, "Deleting tenant {TenantId} from {Store} failed; it will be retried", tenant.Value, part.Name);
                var error = $"{part.Name}: {ex.GetType().Name}";
                await SaveAsync(current, d => d with { LastError = error }, cancellationToken).ConfigureAwait(false);
                throw;
            }
            var now = time.GetUtcNow();
            current = await SaveAsync(current, d => d with { Steps = Mark(d.Steps, part.Name, removed, now) }, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Tenant {TenantId}: {Store} removed {Removed} items", tenant.Value, part.Name, removed);
        }

        // Last: the directory entry. Until now the tenant id stays taken, so it cannot be re-created half deleted.
        try
        {
            await Platform.DeleteAsync<TenantDirectoryEntry>(tenant.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentMissingException)
        {
        }
        // A store that keeps deleted records on disk until it compacts (the local log) compacts now, once, so nothing of
        // the tenant (its records, its name in the directory) is left in the file; only this deletion's record names it.
        if (store is ICompactingStore compacting) await compacting.CompactAsync(cancellationToken).ConfigureAwait(false);
        var completedAt = time.GetUtcNow();
        current = await SaveAsync(current, d => d with { Status = TenantDeletionStatus.Completed, CompletedAt = completedAt, LastError = null }, cancellationToken)
            .ConfigureAwait(false);
        logger.LogInformation("Tenant {TenantId} deleted: {Removed} items across {StoreCount} stores", tenant.Value, current.Value.TotalRemoved, current.Value.Steps.Count);
        return current.Value;
    }

    /// <summary>A step counts what each pass removed, so a resumed store adds what was left to what it removed before.</summary>
    private static List<TenantDeletionStep> Mark(IReadOnlyList<TenantDeletionStep> steps, string name, long removed, DateTimeOffset now)
    {
        var list = steps.ToList();
        var index = list.FindIndex(s => s.Store == name);
        if (index < 0) list.Add(new TenantDeletionStep(name, true, removed, now));
        else list[index] = list[index] with { Done = true, Removed = list[index].Removed + removed, CompletedAt = now };
        return list;
    }

    /// <summary>Replaces the record with <paramref name="change"/> applied; re-reads and re-applies when another runner wrote meanwhile.</summary>
    private async Task<Versioned<TenantDeletion>> SaveAsync(Versioned<TenantDeletion> current, Func<TenantDeletion, TenantDeletion> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await Platform.ReplaceAsync(change(current.Value), current.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentPreconditionFailedException)
            {
                current = await Platform.GetAsync<TenantDeletion>(current.Value.Id, cancellationToken).ConfigureAwait(false)
                    ?? throw new NotFoundException("Tenant deletion");
            }
        }
    }
}
