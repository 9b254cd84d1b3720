using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// One document port over two local stores: the kinds named in <paramref name="appendHeavyKinds"/> (records that only
/// grow, such as trigger events) live in <paramref name="appendHeavy"/>, on disk; every other kind in
/// <paramref name="main"/>. A batch is atomic within one store, so a batch that writes to both sides is refused (the
/// services write each such record with its own kind only: an event and its dedupe key, for instance), except a batch
/// of deletes only, which each side applies atomically in turn (see <see cref="Routed.CommitAsync"/>).
/// </summary>
public sealed class KindRoutedDocumentStore(IDocumentStore main, IDocumentStore appendHeavy, IReadOnlyCollection<string> appendHeavyKinds)
    : IDocumentStore, AgentFunctions.Lifecycle.ICompactingStore
{
    private readonly HashSet<string> sideKinds = new(appendHeavyKinds, StringComparer.Ordinal);

    /// <summary>Compacts each side that keeps deleted records on disk until it compacts.</summary>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        if (main is AgentFunctions.Lifecycle.ICompactingStore first) await first.CompactAsync(cancellationToken).ConfigureAwait(false);
        if (appendHeavy is AgentFunctions.Lifecycle.ICompactingStore second) await second.CompactAsync(cancellationToken).ConfigureAwait(false);
    }

    public ITenantDocuments For(TenantId tenant) => new Routed(main.For(tenant), appendHeavy.For(tenant), sideKinds);

    private sealed class Routed(ITenantDocuments main, ITenantDocuments side, HashSet<string> sideKinds) : ITenantDocuments
    {
        public TenantId Tenant => main.Tenant;

        private ITenantDocuments Of(string kind) => sideKinds.Contains(kind) ? side : main;

        public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) =>
            Of(kind).ReadAsync(kind, id, cancellationToken);

        public Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default) =>
            Of(kind).QueryAsync(kind, filter, cancellationToken);

        public Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default) =>
            Of(kind).QueryPageAsync(kind, filter, page, cancellationToken);

        /// <summary>
        /// Both partitions merged in (kind, id) order, as one store would scan them. Both local stores continue a scan
        /// from the same token (after "kind:id"), so the merged page's last record is where both resume.
        /// </summary>
        public async Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(page);
            var fromMain = await main.ReadPartitionPageAsync(page, cancellationToken).ConfigureAwait(false);
            var fromSide = await side.ReadPartitionPageAsync(page, cancellationToken).ConfigureAwait(false);
            var merged = fromMain.Items.Concat(fromSide.Items)
                .OrderBy(d => d.Kind, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
            var more = merged.Count > page.Limit || fromMain.Continuation is not null || fromSide.Continuation is not null;
            if (merged.Count > page.Limit) merged.RemoveRange(page.Limit, merged.Count - page.Limit);
            return new DocumentPage(merged, more && merged.Count > 0 ? LocalContinuation.EncodeScan(merged[^1]) : null);
        }

        public async Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(writes);
            if (writes.Count == 0) return await main.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
            var onSide = writes.Select(w => sideKinds.Contains(w.Kind)).ToList();
            if (onSide.All(s => s)) return await side.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
            if (!onSide.Any(s => s)) return await main.CommitAsync(writes, cancellationToken).ConfigureAwait(false);
            if (writes.Any(w => w.Mode != DocumentWriteMode.Delete))
            {
                throw new ArgumentException($"A batch cannot mix {writes.First(w => !sideKinds.Contains(w.Kind)).Kind} and {writes.First(w => sideKinds.Contains(w.Kind)).Kind}: "
                    + "they are kept in different local stores.", nameof(writes));
            }
            // Deletes only (a tenant deletion, retention): each side's share is atomic on its own, the main store's first.
            // One that stops between the two leaves the rest for the next run, which those callers make until done.
            await main.CommitAsync(writes.Where((_, i) => !onSide[i]).ToList(), cancellationToken).ConfigureAwait(false);
            await side.CommitAsync(writes.Where((_, i) => onSide[i]).ToList(), cancellationToken).ConfigureAwait(false);
            return new string?[writes.Count];
        }
    }
}
