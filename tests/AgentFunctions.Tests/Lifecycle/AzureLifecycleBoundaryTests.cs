using System.Text;
using AgentFunctions.Azure.Documents;
using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Functions.Engine;
using AgentFunctions.Lifecycle;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Credentials;
using AgentFunctions.Tests.Storage;
using Microsoft.Azure.Cosmos;
using Microsoft.DurableTask.Client;
using Moq;

namespace AgentFunctions.Tests.Lifecycle;

/// <summary>
/// Tenant deletion and export at the SDK boundary of the Azure adapters: what is sent to Cosmos DB (partition key,
/// query, batch deletes), Key Vault (listing by tag, delete then purge) and Durable (terminate, then purge recursively).
/// The AI Search delete is pinned in <see cref="Knowledge.AzureSearchKnowledgeIndexTests"/>.
/// </summary>
public sealed class AzureLifecycleBoundaryTests
{
    private static readonly TenantId Doomed = new("ten_doomed");
    private static readonly TenantId Kept = new("ten_kept");

    [Fact]
    public async Task Cosmos_DeleteTenant_ScansAndDeletesInTheTenantsPartitionOnly_InBatchesOfAtMost100()
    {
        var container = new CosmosContainerDouble();
        var store = new CosmosDocumentStore(container.Container);
        for (var batch = 0; batch < 3; batch++)
        {
            await store.For(Doomed).CommitAsync(Enumerable.Range(0, 50).Select(i => Raw("widget", $"w{batch:D2}{i:D3}")).ToList());
        }
        await store.For(Kept).CommitAsync([Raw("widget", "w00000"), Raw("other", "x")]);
        container.Calls.Clear();

        var removed = await new DocumentsTenantData(store).DeleteAsync(Doomed, CancellationToken.None);

        Assert.Equal(150, removed);
        Assert.All(container.Calls, call => Assert.Equal(new PartitionKey(Doomed.Value), call.PartitionKey));
        var queries = container.Calls.Where(c => c.Operation == "Query").ToList();
        Assert.All(queries, q =>
        {
            Assert.Equal("SELECT * FROM c WHERE c.tenantId = @tenantId ORDER BY c.id ASC", q.Query!.QueryText);
            Assert.Equal(Doomed.Value, q.Query.GetQueryParameters().Single(p => p.Name == "@tenantId").Value);
            Assert.Equal(new PartitionKey(Doomed.Value), q.QueryOptions!.PartitionKey);
        });
        var batches = container.Calls.Where(c => c.Operation == "Batch").ToList();
        Assert.All(batches, b => Assert.InRange(b.Batch!.Count, 1, CosmosDocumentStore.MaxBatchSize));
        Assert.All(batches.SelectMany(b => b.Batch!), op => Assert.Equal("Delete", op.Operation));
        Assert.Equal(150, batches.Sum(b => b.Batch!.Count));
        Assert.Empty((await store.For(Doomed).ReadPartitionPageAsync(new DocumentPageRequest(10))).Items);
        Assert.Equal(2, (await store.For(Kept).ReadPartitionPageAsync(new DocumentPageRequest(10))).Items.Count);
    }

    [Fact]
    public async Task Cosmos_Export_ReadsThePartitionPageByPage_WithoutSecretHashes()
    {
        var container = new CosmosContainerDouble { MaxItemCountCap = 7 };
        var store = new CosmosDocumentStore(container.Container);
        await store.For(Doomed).CommitAsync(Enumerable.Range(0, 30).Select(i => Raw("widget", $"w{i:D2}")).ToList());
        await store.For(Doomed).CommitAsync([new DocumentWrite(DocumentWriteMode.Create, "api_key", "key_1", Encoding.UTF8.GetBytes("""{"id":"key_1","secret_hash":"abc","name":"k"}"""))]);
        container.Calls.Clear();

        var exported = new List<TenantRecord>();
        await foreach (var record in new DocumentsTenantData(store).ExportAsync(Doomed, CancellationToken.None)) exported.Add(record);

        Assert.Equal(31, exported.Count);
        Assert.Equal(31, exported.Select(r => r.Kind + "/" + r.Id).Distinct().Count());
        var key = Encoding.UTF8.GetString(exported.Single(r => r.Kind == "api_key").Json.Span);
        Assert.DoesNotContain("secret_hash", key);
        Assert.Contains("\"name\":\"k\"", key);
        Assert.All(container.Calls, c => Assert.True(c.QueryOptions!.MaxItemCount <= DocumentsTenantData.ExportPageSize));
        Assert.True(container.Calls.Count >= 2, "one query per page, resumed by continuation");
    }

    [Fact]
    public async Task KeyVault_DeleteTenant_ListsByTag_DeletesAndPurgesOnlyThatTenantsSecrets()
    {
        var keyVault = new FakeKeyVault();
        var vault = new KeyVaultSecretVault(keyVault.Client.Object);
        var mine = new SecretLocator(Doomed, Credential.NewId(), null);
        var mineToo = new SecretLocator(Doomed, Credential.NewId(), "usr_a");
        var theirs = new SecretLocator(Kept, Credential.NewId(), null);
        await vault.SetAsync(mine, "{}"u8.ToArray());
        await vault.SetAsync(mine, "{}"u8.ToArray());
        await vault.SetAsync(mineToo, "{}"u8.ToArray());
        var kept = await vault.SetAsync(theirs, "{}"u8.ToArray());

        Assert.Equal(2, await vault.DeleteTenantAsync(Doomed));

        string[] doomedNames = [KeyVaultSecretNames.For(Doomed, mine.CredentialId), KeyVaultSecretNames.For(Doomed, mineToo.CredentialId)];
        Assert.Equal(doomedNames.Order(), keyVault.Deletes.Order());
        Assert.Equal(doomedNames.Order(), keyVault.Purges.Order());
        Assert.Empty(keyVault.SoftDeleted);
        Assert.NotNull(await vault.GetAsync(theirs, kept));
        keyVault.Client.Verify(c => c.GetPropertiesOfSecretsAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Durable_Purge_TerminatesRunningInstancesFirst_ThenPurgesEachRecursively_SkippingUnknownOnes()
    {
        var client = new Mock<DurableTaskClient>(MockBehavior.Strict, "test");
        var states = new Dictionary<string, OrchestrationRuntimeStatus>
        {
            ["run_done"] = OrchestrationRuntimeStatus.Completed,
            ["run_live"] = OrchestrationRuntimeStatus.Running,
        };
        client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => states.TryGetValue(id, out var status) ? new OrchestrationMetadata("AgentRun", id) { RuntimeStatus = status } : null);
        client.Setup(c => c.TerminateInstanceAsync("run_live", It.IsAny<TerminateInstanceOptions>(), It.IsAny<CancellationToken>()))
            .Callback(() => states["run_live"] = OrchestrationRuntimeStatus.Terminated)
            .Returns(Task.CompletedTask);
        client.Setup(c => c.WaitForInstanceCompletionAsync("run_live", It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new OrchestrationMetadata("AgentRun", "run_live") { RuntimeStatus = OrchestrationRuntimeStatus.Terminated });
        var purged = new List<(string Id, bool Recursive)>();
        client.Setup(c => c.PurgeInstanceAsync(It.IsAny<string>(), It.IsAny<PurgeInstanceOptions>(), It.IsAny<CancellationToken>()))
            .Callback((string id, PurgeInstanceOptions? options, CancellationToken _) => purged.Add((id, options?.Recursive ?? false)))
            .ReturnsAsync(new PurgeResult(2));
        var orchestrations = new DurableOrchestrationClient(client.Object, TimeProvider.System);

        var count = await orchestrations.PurgeAsync(["run_done", "run_live", "run_gone", "run_done"]);

        Assert.Equal(4, count);
        Assert.Equal([("run_done", true), ("run_live", true)], purged);
        client.Verify(c => c.TerminateInstanceAsync("run_done", It.IsAny<TerminateInstanceOptions>(), It.IsAny<CancellationToken>()), Times.Never);
        client.Verify(c => c.TerminateInstanceAsync("run_live", It.IsAny<TerminateInstanceOptions>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    private static DocumentWrite Raw(string kind, string id) =>
        new(DocumentWriteMode.Create, kind, id, Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","note":"x"}"""));
}
