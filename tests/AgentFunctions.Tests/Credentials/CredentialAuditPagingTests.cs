using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Credentials;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace AgentFunctions.Tests.Credentials;

/// <summary>The audit list reads the store a page at a time: one page of records read per page answered, never the whole trail.</summary>
public sealed class CredentialAuditPagingTests : IDisposable
{
    private static readonly TenantId Tenant = new("ten_audit_paging");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-audit-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore files;
    private readonly CountingStore store;
    private readonly CredentialService service;
    private readonly Caller admin = new(Tenant, "usr_admin", Role.Admin, "key_admin", ["team_1"]);

    public CredentialAuditPagingTests()
    {
        files = new FileDocumentStore(directory);
        store = new CountingStore(files);
        service = new CredentialService(store, Mock.Of<ISecretVault>(MockBehavior.Strict), TimeProvider.System, NullLogger<CredentialService>.Instance);
    }

    public void Dispose()
    {
        files.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<List<string>> SeedAsync(int count)
    {
        var documents = files.For(Tenant);
        await documents.CreateAsync(new Tenant(Tenant.Value, Tenant, "Audit", "free", null, "team_1", DateTimeOffset.UtcNow));
        var start = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
        var ids = new List<string>();
        for (var i = 0; i < count; i += 50)
        {
            var batch = Enumerable.Range(i, Math.Min(50, count - i)).Select(n => new CredentialAuditRecord(
                CredentialAuditRecord.NewId(start.AddSeconds(n)), Tenant, n % 2 == 0 ? "cred_even" : "cred_odd", CredentialAuditAction.Read, n % 3 != 0,
                null, "usr_admin", "key_admin", null, null, null, null, 1, start.AddSeconds(n))).ToList();
            await documents.CommitAsync(batch.Select(r => TypedDocuments.Write(DocumentWriteMode.Create, documents, r)).ToList());
            ids.AddRange(batch.Select(r => r.Id));
        }
        return ids;
    }

    [Fact]
    public async Task AuditAsync_OnePage_ReadsOnlyThatPageFromTheStore()
    {
        await SeedAsync(300);

        var page = await service.AuditAsync(admin, Tenant.Value, new CredentialAuditQuery(null, null, null, null), new ListRequest(10));

        Assert.Equal(10, page.Items.Count);
        Assert.NotNull(page.NextCursor);
        Assert.Equal(0, store.AuditRecordsFromWholeQueries);
        Assert.Equal(10, store.AuditRecordsFromPages);
    }

    [Fact]
    public async Task AuditAsync_FollowingCursors_ReturnsTheFilteredTrailNewestFirst()
    {
        var ids = await SeedAsync(120);
        var query = new CredentialAuditQuery("cred_even", null, null, Allowed: true);

        var seen = new List<CredentialAuditRecord>();
        string? cursor = null;
        do
        {
            var page = await service.AuditAsync(admin, Tenant.Value, query, new ListRequest(7, cursor));
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var expected = ids.Where((_, n) => n % 2 == 0 && n % 3 != 0).Reverse().ToList();
        Assert.Equal(expected, seen.Select(r => r.Id));
        Assert.Equal(0, store.AuditRecordsFromWholeQueries);
        Assert.Equal(expected.Count, store.AuditRecordsFromPages);
    }

    [Fact]
    public async Task AuditAsync_CursorOfOtherFilters_Refused()
    {
        await SeedAsync(20);
        var first = await service.AuditAsync(admin, Tenant.Value, new CredentialAuditQuery("cred_even", null, null, null), new ListRequest(2));

        var refused = await Assert.ThrowsAsync<ValidationFailedException>(() =>
            service.AuditAsync(admin, Tenant.Value, new CredentialAuditQuery("cred_odd", null, null, null), new ListRequest(2, first.NextCursor)));

        Assert.Contains("cursor", refused.Errors.Keys);
    }

    /// <summary>Counts the audit records the service pulled out of the store, by kind of query.</summary>
    private sealed class CountingStore(IDocumentStore inner) : IDocumentStore
    {
        public int AuditRecordsFromWholeQueries;
        public int AuditRecordsFromPages;

        public ITenantDocuments For(TenantId tenant) => new Counting(inner.For(tenant), this);

        private sealed class Counting(ITenantDocuments inner, CountingStore owner) : ITenantDocuments
        {
            public TenantId Tenant => inner.Tenant;

            public ValueTask<StoredDocument?> ReadAsync(string kind, string id, CancellationToken cancellationToken = default) => inner.ReadAsync(kind, id, cancellationToken);

            public async Task<IReadOnlyList<StoredDocument>> QueryAsync(string kind, IReadOnlyList<FieldEquals> filter, CancellationToken cancellationToken = default)
            {
                var result = await inner.QueryAsync(kind, filter, cancellationToken);
                if (kind == CredentialAuditRecord.Kind) Interlocked.Add(ref owner.AuditRecordsFromWholeQueries, result.Count);
                return result;
            }

            public async Task<DocumentPage> QueryPageAsync(string kind, IReadOnlyList<FieldEquals> filter, DocumentPageRequest page, CancellationToken cancellationToken = default)
            {
                var result = await inner.QueryPageAsync(kind, filter, page, cancellationToken);
                if (kind == CredentialAuditRecord.Kind) Interlocked.Add(ref owner.AuditRecordsFromPages, result.Items.Count);
                return result;
            }

            public Task<DocumentPage> ReadPartitionPageAsync(DocumentPageRequest page, CancellationToken cancellationToken = default) => inner.ReadPartitionPageAsync(page, cancellationToken);

            public Task<IReadOnlyList<string?>> CommitAsync(IReadOnlyList<DocumentWrite> writes, CancellationToken cancellationToken = default) => inner.CommitAsync(writes, cancellationToken);
        }
    }
}
