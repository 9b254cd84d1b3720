using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// One document port over two local stores: the kinds named in <paramref name="appendHeavyKinds"/> (records that only
/// grow, such as trigger events) live in <paramref name="appendHeavy"/>, on disk; every other kind in
/// <paramref name="main"/>. A batch is atomic within one store, so a batch that mixes the two sides is refused; the
/// services write each such record with its own kind only (an event and its dedupe key, for instance).
/// </summary>
public sealed class KindRoutedDocumentStore(IDocumentStore main, IDocumentStore appendHeavy, IReadOnlyCollection<string> appendHeavyKinds) : IDocumentStore
{
    private readonly HashSet<string> sideKinds = new(appendHeavyKinds, StringComparer.Ordinal);

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

        public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(writes);
            if (writes.Count == 0) return main.CommitAsync(writes, cancellationToken);
            var target = Of(writes[0].Kind);
            foreach (var write in writes)
            {
                if (!ReferenceEquals(Of(write.Kind), target))
                {
                    return Task.FromException<IReadOnlyList<string?>>(new ArgumentException(
                        $"A batch cannot mix {writes[0].Kind} and {write.Kind}: they are kept in different local stores.", nameof(writes)));
                }
            }
            return target.CommitAsync(writes, cancellationToken);
        }
    }
}
