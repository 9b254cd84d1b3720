using AgentFunctions.Common;
using AgentFunctions.Lifecycle;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Lifecycle;

/// <summary>
/// The deletion's bookkeeping, with recording stores: stage order, a progress record after every store, a store failure
/// leaving the deletion running with the reason, and a resume that continues where it stopped and ends with the report.
/// </summary>
public sealed class TenantDeletionServiceTests : IDisposable
{
    private static readonly TenantId Tenant = new("ten_lifecycle");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-deletion-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;
    private readonly List<string> calls = [];
    private readonly ManualTimeProvider time = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    public TenantDeletionServiceTests()
    {
        store = new FileDocumentStore(directory);
    }

    public void Dispose()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private TenantDeletionService CreateSut(params ITenantDataStore[] stores) => new(store, stores, time, NullLogger<TenantDeletionService>.Instance);

    private async Task SeedAsync()
    {
        var now = time.GetUtcNow();
        await store.For(TenantId.Platform).CreateAsync(new TenantDirectoryEntry(Tenant.Value, TenantId.Platform, "Doomed", "free", now));
        await store.For(Tenant).CreateAsync(new Tenant(Tenant.Value, Tenant, "Doomed", "free", null, "team_1", now));
    }

    [Fact]
    public async Task Delete_VisitsStoresInStageOrder_RecordsEachCount_AndRemovesTheDirectoryEntryLast()
    {
        await SeedAsync();
        var sut = CreateSut(
            new Recording("records", TenantDataStage.Records, calls, 7),
            new Recording("content", TenantDataStage.Content, calls, 3),
            new Recording("access", TenantDataStage.Access, calls, 1),
            new Recording("intake", TenantDataStage.Intake, calls, 2));

        var report = await sut.DeleteAsync(Tenant, TimeSpan.FromMinutes(1));

        Assert.Equal(["access", "intake", "content", "records"], calls);
        Assert.Equal(TenantDeletionStatus.Completed, report.Status);
        Assert.Equal(13, report.TotalRemoved);
        Assert.All(report.Steps, s => Assert.True(s.Done));
        Assert.Null(await store.For(TenantId.Platform).GetAsync<TenantDirectoryEntry>(Tenant.Value));
        Assert.Equivalent(report, await sut.GetAsync(Tenant));
    }

    [Fact]
    public async Task Delete_StoreFails_LeavesItRunningWithTheReason_ResumeFinishesOnlyWhatWasLeft()
    {
        await SeedAsync();
        var flaky = new Recording("content", TenantDataStage.Content, calls, 3) { FailuresLeft = 1 };
        var sut = CreateSut(new Recording("access", TenantDataStage.Access, calls, 1), flaky, new Recording("records", TenantDataStage.Records, calls, 7));

        await Assert.ThrowsAsync<IOException>(() => sut.DeleteAsync(Tenant, TimeSpan.FromMinutes(1)));

        var stopped = await sut.GetAsync(Tenant);
        Assert.Equal(TenantDeletionStatus.Running, stopped!.Status);
        Assert.Equal("content: IOException", stopped.LastError);
        Assert.Equal([true, false, false], stopped.Steps.Select(s => s.Done));
        Assert.NotNull(await store.For(TenantId.Platform).GetAsync<TenantDirectoryEntry>(Tenant.Value));

        // The lifecycle timer's pass: the failed store runs again, the finished one does not.
        var finished = Assert.Single(await sut.ResumeAsync());

        Assert.Equal(["access", "content", "content", "records"], calls);
        Assert.Equal(TenantDeletionStatus.Completed, finished.Status);
        Assert.Null(finished.LastError);
        Assert.Equal(2, finished.Passes);
        Assert.Equal(11, finished.TotalRemoved);
        Assert.Null(await store.For(TenantId.Platform).GetAsync<TenantDirectoryEntry>(Tenant.Value));
        Assert.Empty(await sut.ResumeAsync());
    }

    [Fact]
    public async Task Delete_BudgetSpent_StopsBetweenStores_AndAnotherRequestContinues()
    {
        await SeedAsync();
        var slow = new Recording("access", TenantDataStage.Access, calls, 1) { OnDelete = () => time.Advance(TimeSpan.FromSeconds(30)) };
        var sut = CreateSut(slow, new Recording("records", TenantDataStage.Records, calls, 7));

        var partial = await sut.DeleteAsync(Tenant, TimeSpan.FromSeconds(20));

        Assert.Equal(TenantDeletionStatus.Running, partial.Status);
        Assert.Equal(["access"], calls);
        var done = await sut.DeleteAsync(Tenant, TimeSpan.FromSeconds(20));
        Assert.Equal(TenantDeletionStatus.Completed, done.Status);
        Assert.Equal(["access", "records"], calls);
        Assert.Equivalent(done, await sut.DeleteAsync(Tenant, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Delete_UnknownOrPlatformTenant_IsNotFound()
    {
        var sut = CreateSut(new Recording("records", TenantDataStage.Records, calls, 0));

        await Assert.ThrowsAsync<NotFoundException>(() => sut.DeleteAsync(new TenantId("ten_nobody"), TimeSpan.FromMinutes(1)));
        await Assert.ThrowsAsync<NotFoundException>(() => sut.DeleteAsync(TenantId.Platform, TimeSpan.FromMinutes(1)));
        Assert.Empty(calls);
    }

    private sealed class Recording(string name, TenantDataStage stage, List<string> calls, long removes) : ITenantDataStore
    {
        public int FailuresLeft { get; set; }

        public Action? OnDelete { get; init; }

        public string Name => name;

        public TenantDataStage Stage => stage;

        public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

        public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken)
        {
            calls.Add(name);
            OnDelete?.Invoke();
            if (FailuresLeft-- > 0) throw new IOException("store unavailable");
            return Task.FromResult(removes);
        }
    }
}
