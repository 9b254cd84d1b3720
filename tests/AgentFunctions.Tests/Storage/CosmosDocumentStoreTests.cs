using System.Net;
using System.Text;
using AgentFunctions.Azure.Documents;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using Azure.Core;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace AgentFunctions.Tests.Storage;

/// <summary>What the Cosmos adapter sends: partition keys, item ids, envelopes, query text and parameters, If-Match.</summary>
public sealed class CosmosDocumentStoreTests
{
    private static readonly TenantId Tenant = new("t-1");
    private readonly CosmosContainerDouble container = new();

    private ITenantDocuments Sut => new CosmosDocumentStore(container.Container).For(Tenant);

    [Fact]
    public async Task Read_Always_SendsKindScopedIdAndTenantPartitionKey()
    {
        await Sut.ReadAsync("agent", "agt_1");

        var call = Assert.Single(container.Calls);
        Assert.Equal(("Read", "agent:agt_1", new PartitionKey("t-1")), (call.Operation, call.ItemId, call.PartitionKey));
    }

    [Fact]
    public async Task Create_Always_WritesEnvelopeWithTenantTypeAndBody()
    {
        await Sut.CreateAsync(new ContractWidget("w1", Tenant, "red", 3, true, null));

        var call = Assert.Single(container.Calls);
        Assert.Equal(("Create", new PartitionKey("t-1"), (string?)null), (call.Operation, call.PartitionKey, call.IfMatch));
        Assert.Equal("contract_widget:w1", call.Body!["id"]!.GetValue<string>());
        Assert.Equal("t-1", call.Body["tenantId"]!.GetValue<string>());
        Assert.Equal("contract_widget", call.Body["type"]!.GetValue<string>());
        Assert.Equal("w1", call.Body["docId"]!.GetValue<string>());
        Assert.Equal("""{"id":"w1","tenant_id":"t-1","name":"red","size":3,"active":true}""", call.Body["body"]!.ToJsonString());
        Assert.False(call.Options!.EnableContentResponseOnWrite);
    }

    [Theory]
    [InlineData("a/b", "k:a%2Fb")]
    [InlineData("a%2Fb", "k:a%252Fb")]
    [InlineData("x?y#z\\", "k:x%3Fy%23z%5C")]
    [InlineData("plain_id-1.2", "k:plain_id-1.2")]
    public void ItemId_ReservedCharacters_EscapedOneToOne(string id, string expected)
    {
        Assert.Equal(expected, CosmosEnvelope.ItemId("k", id));
    }

    [Fact]
    public void ItemId_TooLong_Refused()
    {
        Assert.Throws<ArgumentException>(() => CosmosEnvelope.ItemId("k", new string('x', 254)));
    }

    [Fact]
    public async Task Replace_WithEtag_SendsIfMatchInTenantPartition()
    {
        var created = await Sut.CreateAsync(new ContractWidget("w1", Tenant, "red", 3, true, null));

        await Sut.ReplaceAsync(created.Value with { Name = "blue" }, created.ETag);

        var call = container.Calls[^1];
        Assert.Equal(("Replace", "contract_widget:w1", new PartitionKey("t-1"), created.ETag), (call.Operation, call.ItemId, call.PartitionKey, call.IfMatch));
    }

    [Fact]
    public async Task Delete_WithEtag_SendsIfMatchInTenantPartition()
    {
        var created = await Sut.CreateAsync(new ContractWidget("w1", Tenant, "red", 3, true, null));

        await Sut.DeleteAsync<ContractWidget>("w1", created.ETag);

        var call = container.Calls[^1];
        Assert.Equal(("Delete", "contract_widget:w1", new PartitionKey("t-1"), created.ETag), (call.Operation, call.ItemId, call.PartitionKey, call.IfMatch));
    }

    [Fact]
    public async Task Upsert_WithEtag_NeverSendsIfMatch()
    {
        await Sut.CommitAsync([TypedDocuments.Write(DocumentWriteMode.Upsert, Sut, new ContractWidget("w1", Tenant, "red", 3, true, null), "\"stale\"")]);

        var call = Assert.Single(container.Calls);
        Assert.Equal(("Upsert", (string?)null), (call.Operation, call.IfMatch));
    }

    [Fact]
    public async Task Query_WithFilters_SendsParameterisedTextScopedToTenantPartition()
    {
        await Sut.QueryAsync("agent", [new FieldEquals("status", "x\" OR true --"), new FieldEquals("owner_id", null)]);

        var call = Assert.Single(container.Calls);
        Assert.Equal("Query", call.Operation);
        Assert.Equal(new PartitionKey("t-1"), call.QueryOptions!.PartitionKey);
        Assert.Equal(
            "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = @type"
            + " AND (c.body[\"status\"] = @v0 OR ((IS_NUMBER(c.body[\"status\"]) OR IS_BOOL(c.body[\"status\"])) AND ToString(c.body[\"status\"]) = @v0))"
            + " AND (NOT IS_DEFINED(c.body[\"owner_id\"]) OR IS_NULL(c.body[\"owner_id\"]))",
            call.Query!.QueryText);
        Assert.Equal(
            [("@tenantId", (object)"t-1"), ("@type", "agent"), ("@v0", "x\" OR true --")],
            call.Query.GetQueryParameters().Select(p => (p.Name, p.Value)));
    }

    [Theory]
    [InlineData("name\"] OR 1=1 --")]
    [InlineData("a.b")]
    [InlineData("")]
    public async Task Query_FieldNameNotAnIdentifier_Refused(string field)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Sut.QueryAsync("agent", [new FieldEquals(field, "v")]));
        Assert.Empty(container.Calls);
    }

    [Fact]
    public async Task Query_ManyPages_ReadsEveryPage()
    {
        for (var i = 0; i < 7; i++) await Sut.CreateAsync(new ContractWidget($"w{i}", Tenant, "red", i, true, null));

        var all = await Sut.ListAsync<ContractWidget>();

        Assert.Equal(7, all.Count);
    }

    [Fact]
    public async Task QueryPage_Always_SendsOrderedQueryWithMaxItemCountInTenantPartition()
    {
        await Sut.QueryPageAsync("agent", [new FieldEquals("owner_id", "u1")], new DocumentPageRequest(25, Descending: true));

        var call = Assert.Single(container.Calls);
        Assert.Equal(new PartitionKey("t-1"), call.QueryOptions!.PartitionKey);
        Assert.Equal(25, call.QueryOptions.MaxItemCount);
        Assert.Equal(CosmosDocumentStore.MaxContinuationKb, call.QueryOptions.ResponseContinuationTokenLimitInKb);
        Assert.Null(call.Continuation);
        Assert.EndsWith(" ORDER BY c.docId DESC", call.Query!.QueryText, StringComparison.Ordinal);
        Assert.StartsWith("SELECT * FROM c WHERE c.tenantId = @tenantId AND c.type = @type AND (c.body[\"owner_id\"] = @v0", call.Query.QueryText, StringComparison.Ordinal);
        Assert.Equal([("@tenantId", (object)"t-1"), ("@type", "agent"), ("@v0", "u1")], call.Query.GetQueryParameters().Select(p => (p.Name, p.Value)));
    }

    [Fact]
    public async Task QueryPage_NextPage_ResumesWithCosmosContinuationToken()
    {
        for (var i = 0; i < 5; i++) await Sut.CreateAsync(new ContractWidget($"w{i}", Tenant, "red", i, true, null));
        var first = await Sut.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(3));
        container.Calls.Clear();

        var second = await Sut.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(3, first.Continuation));

        // The token goes back to the SDK exactly as Cosmos issued it: the adapter adds no paging of its own.
        var call = Assert.Single(container.Calls);
        Assert.NotNull(first.Continuation);
        Assert.Equal(first.Continuation, call.Continuation);
        Assert.Equal(3, call.QueryOptions!.MaxItemCount);
        Assert.Equal(["w3", "w4"], second.Items.Select(d => d.Id));
        Assert.Null(second.Continuation);
    }

    [Fact]
    public async Task QueryPage_CosmosAnswersShortPages_AsksOnlyForTheRoomLeft()
    {
        for (var i = 0; i < 5; i++) await Sut.CreateAsync(new ContractWidget($"w{i}", Tenant, "red", i, true, null));
        container.MaxItemCountCap = 2;
        container.Calls.Clear();

        var page = await Sut.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(3));

        Assert.Equal(["w0", "w1", "w2"], page.Items.Select(d => d.Id));
        Assert.Equal([3, 1], container.Calls.Select(c => c.QueryOptions!.MaxItemCount!.Value));
        Assert.NotNull(page.Continuation);
    }

    [Fact]
    public async Task QueryPage_TokenCosmosRefuses_ThrowsInvalidContinuation()
    {
        await Sut.CreateAsync(new ContractWidget("w1", Tenant, "red", 1, true, null));

        await Assert.ThrowsAsync<InvalidContinuationException>(() => Sut.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(3, "{\"token\":\"forged\"}")));
    }

    [Fact]
    public async Task Commit_SeveralWrites_SendsOneTransactionalBatchInTenantPartition()
    {
        var existing = await Sut.CreateAsync(new ContractWidget("old", Tenant, "red", 1, true, null));
        container.Calls.Clear();

        await Sut.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Create, Sut, new ContractWidget("new", Tenant, "red", 1, true, null)),
            TypedDocuments.Write(DocumentWriteMode.Replace, Sut, existing.Value with { Name = "blue" }, existing.ETag),
            new DocumentWrite(DocumentWriteMode.Upsert, "note", "n1", Encoding.UTF8.GetBytes("{}")),
        ]);

        var call = Assert.Single(container.Calls);
        Assert.Equal(("Batch", new PartitionKey("t-1")), (call.Operation, call.PartitionKey));
        Assert.Equal(["Create", "Replace", "Upsert"], call.Batch!.Select(op => op.Operation));
        Assert.Equal([null, existing.ETag, null], call.Batch!.Select(op => op.Options?.IfMatchEtag));
        Assert.All(call.Batch!, op => Assert.Equal("t-1", op.Body!["tenantId"]!.GetValue<string>()));
        Assert.Equal("contract_widget:old", call.Batch![1].Id);
    }

    [Fact]
    public async Task Commit_MoreWritesThanCosmosBatchAllows_Refused()
    {
        var writes = Enumerable.Range(0, CosmosDocumentStore.MaxBatchSize + 1)
            .Select(i => new DocumentWrite(DocumentWriteMode.Upsert, "k", $"id{i}", Encoding.UTF8.GetBytes("{}")))
            .ToList();

        await Assert.ThrowsAsync<ArgumentException>(() => Sut.CommitAsync(writes));
        Assert.Empty(container.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Create_UnmappedFailure_SurfacesAsCosmosException(HttpStatusCode status)
    {
        // A 404 on create means the container is missing, not the record; it must not read as "record missing".
        var mock = new Mock<Container>(MockBehavior.Strict);
        mock.Setup(c => c.CreateItemStreamAsync(It.IsAny<Stream>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ResponseMessage(status));
        var sut = new CosmosDocumentStore(mock.Object).For(Tenant);

        var ex = await Assert.ThrowsAsync<CosmosException>(() => sut.CreateAsync(new ContractWidget("w1", Tenant, "red", 1, true, null)));

        Assert.Equal(status, ex.StatusCode);
    }

    [Fact]
    public async Task Read_ServerError_SurfacesAsCosmosException()
    {
        var mock = new Mock<Container>(MockBehavior.Strict);
        mock.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ResponseMessage(HttpStatusCode.InternalServerError));

        await Assert.ThrowsAsync<CosmosException>(async () => await new CosmosDocumentStore(mock.Object).For(Tenant).ReadAsync("k", "id"));
    }

    [Fact]
    public async Task Read_ContainerMissing_SurfacesAsCosmosExceptionNotAbsentRecord()
    {
        var missingContainer = new ResponseMessage(HttpStatusCode.NotFound);
        missingContainer.Headers.Set("x-ms-substatus", "1003");
        var mock = new Mock<Container>(MockBehavior.Strict);
        mock.Setup(c => c.ReadItemStreamAsync(It.IsAny<string>(), It.IsAny<PartitionKey>(), It.IsAny<ItemRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(missingContainer);

        await Assert.ThrowsAsync<CosmosException>(async () => await new CosmosDocumentStore(mock.Object).For(Tenant).ReadAsync("k", "id"));
    }

    [Fact]
    public void PartitionKeyPath_IsTenantId()
    {
        Assert.Equal("/tenantId", CosmosDocumentStore.PartitionKeyPath);
    }

    [Fact]
    public void AddCosmosDocumentStore_WithContainer_ResolvesCosmosStore()
    {
        using var provider = new ServiceCollection().AddCosmosDocumentStore(container.Container).BuildServiceProvider();

        Assert.IsType<CosmosDocumentStore>(provider.GetRequiredService<IDocumentStore>());
    }

    [Fact]
    public void AddCosmosDocumentStore_WithOptions_BuildsClientForEndpointWithoutKeys()
    {
        var options = new CosmosDocumentStoreOptions
        {
            Endpoint = new Uri("https://account.documents.azure.com:443/"),
            DatabaseName = "agents",
            ContainerName = "documents",
            Credential = new StaticCredential(),
        };
        using var provider = new ServiceCollection().AddCosmosDocumentStore(options).BuildServiceProvider();

        Assert.IsType<CosmosDocumentStore>(provider.GetRequiredService<IDocumentStore>());
        var client = provider.GetRequiredService<CosmosClient>();
        Assert.Equal(new Uri("https://account.documents.azure.com:443/"), client.Endpoint);
        Assert.False(client.ClientOptions.EnableContentResponseOnWrite);
    }

    [Fact]
    public void AddCosmosDocumentStore_RelativeEndpoint_Refused()
    {
        var options = new CosmosDocumentStoreOptions { Endpoint = new Uri("/relative", UriKind.Relative), DatabaseName = "d", ContainerName = "c" };

        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddCosmosDocumentStore(options));
    }

    private sealed class StaticCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("token", DateTimeOffset.MaxValue);

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
