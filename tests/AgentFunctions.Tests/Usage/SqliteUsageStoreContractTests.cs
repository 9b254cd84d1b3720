using AgentFunctions.Local.Usage;
using AgentFunctions.Usage;

namespace AgentFunctions.Tests.Usage;

public sealed class SqliteUsageStoreContractTests : UsageStoreContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-usage-" + Guid.NewGuid().ToString("N"));
    private readonly List<SqliteUsageStore> stores = [];

    protected override IUsageStore CreateStore()
    {
        var store = new SqliteUsageStore(Path.Combine(directory, $"usage{stores.Count}.db"));
        stores.Add(store);
        return store;
    }

    [Fact]
    public async Task Events_SurviveReopeningTheFile()
    {
        var path = Path.Combine(directory, "reopen.db");
        using (var first = new SqliteUsageStore(path))
        {
            await first.AppendAsync([Tokens(TenantA, "k", 42, Day1)]);
        }
        using var second = new SqliteUsageStore(path);

        Assert.Equal(0, await second.AppendAsync([Tokens(TenantA, "k", 42, Day1)]));
        Assert.Equal(42, await second.TotalAsync(TenantA, [UsageMeters.ModelInputTokens], Day1, Day1.AddDays(1)));
    }

    public void Dispose()
    {
        foreach (var store in stores) store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
