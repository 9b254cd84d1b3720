using System.Text;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// What every <see cref="IDocumentStore"/> adapter promises. Each adapter runs all of it through a subclass, so the
/// services above the port can be tested on the local store and trusted on Cosmos.
/// </summary>
public abstract class DocumentStoreContract
{
    protected static readonly TenantId TenantA = new("tenant-a");
    protected static readonly TenantId TenantB = new("tenant-b");

    protected abstract IDocumentStore Store { get; }

    private ITenantDocuments A => Store.For(TenantA);

    private ITenantDocuments B => Store.For(TenantB);

    [Fact]
    public async Task Create_ThenRead_ReturnsBodyAndEtag()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));

        var read = await A.GetAsync<ContractWidget>("w1");

        Assert.NotNull(read);
        Assert.Equal(created.Value, read.Value);
        Assert.Equal(created.ETag, read.ETag);
        Assert.False(string.IsNullOrEmpty(read.ETag));
    }

    [Fact]
    public async Task Read_Missing_ReturnsNull()
    {
        Assert.Null(await A.ReadAsync(ContractWidget.Kind, "nope"));
    }

    [Fact]
    public async Task Create_ExistingId_ThrowsConflictAndKeepsOriginal()
    {
        await A.CreateAsync(Widget(TenantA, "w1", "first"));

        var ex = await Assert.ThrowsAsync<DocumentConflictException>(() => A.CreateAsync(Widget(TenantA, "w1", "second")));

        Assert.Equal((ContractWidget.Kind, "w1"), (ex.Kind, ex.Id));
        Assert.Equal("first", (await A.GetAsync<ContractWidget>("w1"))!.Value.Name);
    }

    [Fact]
    public async Task Create_SameIdInDifferentKinds_KeepsBoth()
    {
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "kind_one", "same", """{"n":1}""")]);
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "kind_two", "same", """{"n":2}""")]);

        Assert.Equal("""{"n":1}""", Text((await A.ReadAsync("kind_one", "same"))!));
        Assert.Equal("""{"n":2}""", Text((await A.ReadAsync("kind_two", "same"))!));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("q?x#y")]
    [InlineData("100%2F")]
    [InlineData("back\\slash")]
    public async Task Create_IdWithReservedCharacters_RoundTrips(string id)
    {
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "odd_ids", id, """{"v":1}""")]);

        var read = await A.ReadAsync("odd_ids", id);

        Assert.Equal(id, read!.Id);
        Assert.Equal(id, Assert.Single(await A.QueryAsync("odd_ids", [])).Id);
    }

    [Fact]
    public async Task Replace_WithCurrentEtag_ChangesBodyAndEtag()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));

        var replaced = await A.ReplaceAsync(created.Value with { Name = "second" }, created.ETag);

        Assert.NotEqual(created.ETag, replaced.ETag);
        var read = await A.GetAsync<ContractWidget>("w1");
        Assert.Equal("second", read!.Value.Name);
        Assert.Equal(replaced.ETag, read.ETag);
    }

    [Fact]
    public async Task Replace_WithStaleEtag_ThrowsPreconditionFailedAndKeepsNewer()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));
        await A.ReplaceAsync(created.Value with { Name = "second" }, created.ETag);

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => A.ReplaceAsync(created.Value with { Name = "third" }, created.ETag));

        Assert.Equal("second", (await A.GetAsync<ContractWidget>("w1"))!.Value.Name);
    }

    [Fact]
    public async Task Replace_WithoutIfMatch_Overwrites()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));

        await A.ReplaceAsync(created.Value with { Name = "blind" }, ifMatch: null);

        Assert.Equal("blind", (await A.GetAsync<ContractWidget>("w1"))!.Value.Name);
    }

    [Fact]
    public async Task Replace_Missing_ThrowsMissing()
    {
        await Assert.ThrowsAsync<DocumentMissingException>(() => A.ReplaceAsync(Widget(TenantA, "ghost", "x"), ifMatch: null));
    }

    [Fact]
    public async Task Upsert_MissingThenExisting_WritesBothTimes()
    {
        var first = await A.UpsertAsync(Widget(TenantA, "w1", "first"));
        var second = await A.UpsertAsync(Widget(TenantA, "w1", "second"));

        Assert.NotEqual(first.ETag, second.ETag);
        var read = await A.GetAsync<ContractWidget>("w1");
        Assert.Equal(("second", second.ETag), (read!.Value.Name, read.ETag));
    }

    [Fact]
    public async Task Delete_WithCurrentEtag_Removes()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));

        await A.DeleteAsync<ContractWidget>("w1", created.ETag);

        Assert.Null(await A.GetAsync<ContractWidget>("w1"));
    }

    [Fact]
    public async Task Delete_WithStaleEtag_ThrowsPreconditionFailedAndKeepsRecord()
    {
        var created = await A.CreateAsync(Widget(TenantA, "w1", "first"));
        await A.ReplaceAsync(created.Value with { Name = "second" }, created.ETag);

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => A.DeleteAsync<ContractWidget>("w1", created.ETag));

        Assert.NotNull(await A.GetAsync<ContractWidget>("w1"));
    }

    [Fact]
    public async Task Delete_Missing_ThrowsMissing()
    {
        await Assert.ThrowsAsync<DocumentMissingException>(() => A.DeleteAsync<ContractWidget>("ghost"));
    }

    [Fact]
    public async Task Commit_Batch_AppliesAllAndReturnsEtagsInOrder()
    {
        var existing = await A.CreateAsync(Widget(TenantA, "old", "old"));
        var doomed = await A.CreateAsync(Widget(TenantA, "doomed", "doomed"));

        var etags = await A.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Create, A, Widget(TenantA, "new", "new")),
            TypedDocuments.Write(DocumentWriteMode.Replace, A, existing.Value with { Name = "changed" }, existing.ETag),
            DocumentWrite.Delete(ContractWidget.Kind, "doomed", doomed.ETag),
            TypedDocuments.Write(DocumentWriteMode.Upsert, A, Widget(TenantA, "up", "up")),
        ]);

        Assert.Equal(4, etags.Count);
        Assert.Equal(etags[0], (await A.GetAsync<ContractWidget>("new"))!.ETag);
        Assert.Equal(etags[1], (await A.GetAsync<ContractWidget>("old"))!.ETag);
        Assert.Null(etags[2]);
        Assert.Equal(etags[3], (await A.GetAsync<ContractWidget>("up"))!.ETag);
        Assert.Null(await A.GetAsync<ContractWidget>("doomed"));
        Assert.Equal("changed", (await A.GetAsync<ContractWidget>("old"))!.Value.Name);
    }

    [Fact]
    public async Task Commit_BatchWithOneStaleWrite_AppliesNothing()
    {
        var existing = await A.CreateAsync(Widget(TenantA, "old", "old"));
        await A.ReplaceAsync(existing.Value with { Name = "newer" }, existing.ETag);

        await Assert.ThrowsAsync<DocumentPreconditionFailedException>(() => A.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Create, A, Widget(TenantA, "new", "new")),
            TypedDocuments.Write(DocumentWriteMode.Replace, A, existing.Value with { Name = "lost" }, existing.ETag),
        ]));

        Assert.Null(await A.GetAsync<ContractWidget>("new"));
        Assert.Equal("newer", (await A.GetAsync<ContractWidget>("old"))!.Value.Name);
    }

    [Fact]
    public async Task Commit_BatchWithConflictingCreate_AppliesNothing()
    {
        await A.CreateAsync(Widget(TenantA, "taken", "taken"));

        await Assert.ThrowsAsync<DocumentConflictException>(() => A.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Upsert, A, Widget(TenantA, "fresh", "fresh")),
            TypedDocuments.Write(DocumentWriteMode.Create, A, Widget(TenantA, "taken", "again")),
        ]));

        Assert.Null(await A.GetAsync<ContractWidget>("fresh"));
    }

    [Fact]
    public async Task Commit_BatchDeletingMissing_ThrowsMissingAndAppliesNothing()
    {
        await Assert.ThrowsAsync<DocumentMissingException>(() => A.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Create, A, Widget(TenantA, "fresh", "fresh")),
            DocumentWrite.Delete(ContractWidget.Kind, "ghost"),
        ]));

        Assert.Null(await A.GetAsync<ContractWidget>("fresh"));
    }

    [Fact]
    public async Task Commit_SameRecordTwiceInBatch_ThrowsArgument()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => A.CommitAsync(
        [
            TypedDocuments.Write(DocumentWriteMode.Upsert, A, Widget(TenantA, "w1", "one")),
            TypedDocuments.Write(DocumentWriteMode.Upsert, A, Widget(TenantA, "w1", "two")),
        ]));

        Assert.Null(await A.GetAsync<ContractWidget>("w1"));
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"open\":")]
    [InlineData("{} {}")]
    [InlineData("")]
    public async Task Commit_BodyNotOneJsonObject_ThrowsArgument(string body)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => A.CommitAsync([Raw(DocumentWriteMode.Upsert, "raw", "r1", body)]));
    }

    [Theory]
    [InlineData("Widget")]
    [InlineData("bad-kind")]
    [InlineData("a:b")]
    [InlineData("")]
    public async Task Commit_KindNotSnakeCase_ThrowsArgument(string kind)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => A.CommitAsync([Raw(DocumentWriteMode.Upsert, kind, "r1", "{}")]));
    }

    [Fact]
    public async Task Commit_EmptyBatch_ReturnsNothing()
    {
        Assert.Empty(await A.CommitAsync([]));
    }

    [Fact]
    public void Write_DocumentOfAnotherTenant_Refused()
    {
        Assert.Throws<InvalidOperationException>(() => TypedDocuments.Write(DocumentWriteMode.Create, A, Widget(TenantB, "w1", "x")));
    }

    [Fact]
    public async Task Query_ByKind_ReturnsOnlyThatKindOrderedById()
    {
        foreach (var id in new[] { "w5", "w1", "w3", "w2", "w4" }) await A.CreateAsync(Widget(TenantA, id, id));
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "other_kind", "w0", "{}")]);

        var all = await A.ListAsync<ContractWidget>();

        Assert.Equal(["w1", "w2", "w3", "w4", "w5"], all.Select(w => w.Value.Id));
        Assert.All(all, w => Assert.False(string.IsNullOrEmpty(w.ETag)));
    }

    [Fact]
    public async Task Query_FieldEquals_MatchesStringsNumbersAndBooleans()
    {
        await A.CreateAsync(Widget(TenantA, "w1", "red", size: 3, active: true));
        await A.CreateAsync(Widget(TenantA, "w2", "blue", size: 3, active: false));
        await A.CreateAsync(Widget(TenantA, "w3", "red", size: 4, active: false));

        Assert.Equal(["w1", "w3"], Ids(await A.ListAsync<ContractWidget>(default, new FieldEquals("name", "red"))));
        Assert.Equal(["w1", "w2"], Ids(await A.ListAsync<ContractWidget>(default, new FieldEquals("size", "3"))));
        Assert.Equal(["w1"], Ids(await A.ListAsync<ContractWidget>(default, new FieldEquals("active", "true"))));
        Assert.Equal(["w3"], Ids(await A.ListAsync<ContractWidget>(default, new FieldEquals("name", "red"), new FieldEquals("size", "4"))));
        Assert.Empty(await A.ListAsync<ContractWidget>(default, new FieldEquals("name", "green")));
    }

    [Fact]
    public async Task Query_FieldEqualsNull_MatchesMissingAndNullFields()
    {
        await A.CreateAsync(Widget(TenantA, "absent", "x"));
        await A.CreateAsync(Widget(TenantA, "present", "x", note: "hello"));
        await A.CommitAsync([Raw(DocumentWriteMode.Create, ContractWidget.Kind, "explicit", """{"id":"explicit","tenant_id":"tenant-a","name":"x","size":0,"active":false,"note":null}""")]);

        var result = await A.QueryAsync(ContractWidget.Kind, [new FieldEquals("note", null)]);

        Assert.Equal(["absent", "explicit"], result.Select(d => d.Id));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(7, true)]
    [InlineData(50, false)]
    public async Task QueryPage_FollowingContinuations_ReturnsEachMatchOnceInIdOrder(int limit, bool descending)
    {
        for (var i = 0; i < 11; i++) await A.CreateAsync(Widget(TenantA, $"w{i:D2}", i % 3 == 0 ? "skip" : "keep"));
        await B.CreateAsync(Widget(TenantB, "w99", "keep"));
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "other_kind", "w50", """{"name":"keep"}""")]);

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await A.QueryPageAsync(ContractWidget.Kind, [new FieldEquals("name", "keep")], new DocumentPageRequest(limit, continuation, descending));
            Assert.True(page.Items.Count <= limit, $"a page of {page.Items.Count} over the limit {limit}");
            seen.AddRange(page.Items.Select(d => d.Id));
            continuation = page.Continuation;
            Assert.True(++pages <= 20, "the continuations never ended");
        }
        while (continuation is not null);

        var expected = Enumerable.Range(0, 11).Where(i => i % 3 != 0).Select(i => $"w{i:D2}").ToList();
        if (descending) expected.Reverse();
        Assert.Equal(expected, seen);
        Assert.True(pages >= (expected.Count + limit - 1) / limit, "fewer pages than the limit allows");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public async Task ReadPartitionPage_FollowingContinuations_ReturnsEveryRecordOfEveryKindOnce(int limit)
    {
        for (var i = 0; i < 7; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));
        await A.CommitAsync([Raw(DocumentWriteMode.Create, "other_kind", "w3", """{"name":"same id, other kind"}"""), Raw(DocumentWriteMode.Create, "a_kind", "z", "{}")]);
        await B.CreateAsync(Widget(TenantB, "w0", "other tenant"));

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await A.ReadPartitionPageAsync(new DocumentPageRequest(limit, continuation));
            Assert.True(page.Items.Count <= limit);
            seen.AddRange(page.Items.Select(d => d.Kind + "/" + d.Id));
            continuation = page.Continuation;
            Assert.True(++pages <= 20, "the continuations never ended");
        }
        while (continuation is not null);

        string[] expected = ["a_kind/z", .. Enumerable.Range(0, 7).Select(i => $"contract_widget/w{i}"), "other_kind/w3"];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task ReadPartitionPage_EmptyPartition_ReturnsNothingAndNoContinuation()
    {
        await B.CreateAsync(Widget(TenantB, "w0", "x"));

        var page = await A.ReadPartitionPageAsync(new DocumentPageRequest(10));

        Assert.Empty(page.Items);
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task ReadPartitionPage_DeletingWhatWasRead_LeavesTheRestForTheNextFirstPage()
    {
        for (var i = 0; i < 5; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));
        var removed = 0;
        while (true)
        {
            var page = await A.ReadPartitionPageAsync(new DocumentPageRequest(2));
            if (page.Items.Count == 0) break;
            await A.CommitAsync(page.Items.Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList());
            removed += page.Items.Count;
            Assert.True(removed <= 5);
        }

        Assert.Equal(5, removed);
        Assert.Empty(await A.ListAsync<ContractWidget>());
    }

    [Fact]
    public async Task ReadPartitionPage_DescendingOrForeignContinuation_Refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => A.ReadPartitionPageAsync(new DocumentPageRequest(2, Descending: true)));
        await Assert.ThrowsAnyAsync<Exception>(() => A.ReadPartitionPageAsync(new DocumentPageRequest(2, "not-a-token")));
    }

    [Fact]
    public async Task QueryPage_LastPage_HasNoContinuation()
    {
        for (var i = 0; i < 3; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));

        var page = await A.PageAsync<ContractWidget>(new DocumentPageRequest(10));

        Assert.Equal(["w0", "w1", "w2"], page.Items.Select(v => v.Value.Id));
        Assert.All(page.Items, v => Assert.False(string.IsNullOrEmpty(v.ETag)));
        Assert.Null(page.Continuation);
    }

    [Fact]
    public async Task QueryPage_WritesBetweenPages_ResumeAfterTheLastItemSeen()
    {
        foreach (var id in new[] { "b", "d", "f" }) await A.CreateAsync(Widget(TenantA, id, "x"));
        var first = await A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2));
        Assert.Equal(["b", "d"], first.Items.Select(d => d.Id));

        await A.CreateAsync(Widget(TenantA, "a", "x"));
        await A.CreateAsync(Widget(TenantA, "e", "x"));
        var rest = new List<string>();
        var continuation = first.Continuation;
        while (continuation is not null)
        {
            var page = await A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2, continuation));
            rest.AddRange(page.Items.Select(d => d.Id));
            continuation = page.Continuation;
        }

        Assert.Equal(["e", "f"], rest);
    }

    [Fact]
    public async Task QueryPage_ContinuationUsedInAnotherTenant_SeesNothingOfTheFirst()
    {
        for (var i = 0; i < 4; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));
        var fromA = await A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2));

        var inB = await B.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2, fromA.Continuation));

        Assert.Empty(inB.Items);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task QueryPage_ContinuationNotIssued_ThrowsInvalidContinuation(string continuation)
    {
        for (var i = 0; i < 4; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));

        await Assert.ThrowsAsync<InvalidContinuationException>(() => A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2, continuation)));
    }

    [Fact]
    public async Task QueryPage_ContinuationOfTheOtherDirection_ThrowsInvalidContinuation()
    {
        for (var i = 0; i < 4; i++) await A.CreateAsync(Widget(TenantA, $"w{i}", "x"));
        var ascending = await A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2));

        await Assert.ThrowsAsync<InvalidContinuationException>(() => A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(2, ascending.Continuation, Descending: true)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(DocumentPageRequest.MaxLimit + 1)]
    public async Task QueryPage_LimitOutOfRange_ThrowsArgument(int limit)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => A.QueryPageAsync(ContractWidget.Kind, [], new DocumentPageRequest(limit)));
    }

    [Fact]
    public async Task Query_ValueLookingLikeSql_IsJustAValue()
    {
        await A.CreateAsync(Widget(TenantA, "w1", "plain"));

        Assert.Empty(await A.ListAsync<ContractWidget>(default, new FieldEquals("name", "x\" OR 1=1 OR c.name = \"")));
    }

    [Fact]
    public async Task Tenants_WritesViaOne_AreInvisibleToTheOther()
    {
        var a = await A.CreateAsync(Widget(TenantA, "shared-id", "a's"));

        Assert.Null(await B.ReadAsync(ContractWidget.Kind, "shared-id"));
        Assert.Empty(await B.QueryAsync(ContractWidget.Kind, []));
        Assert.Empty(await B.QueryAsync(ContractWidget.Kind, [new FieldEquals("name", "a's")]));
        await Assert.ThrowsAsync<DocumentMissingException>(() => B.CommitAsync([DocumentWrite.Delete(ContractWidget.Kind, "shared-id", a.ETag)]));
        await Assert.ThrowsAsync<DocumentMissingException>(() => B.ReplaceAsync(Widget(TenantB, "shared-id", "hijack"), a.ETag));

        await B.CreateAsync(Widget(TenantB, "shared-id", "b's"));

        Assert.Equal("a's", (await A.GetAsync<ContractWidget>("shared-id"))!.Value.Name);
        Assert.Equal("b's", (await B.GetAsync<ContractWidget>("shared-id"))!.Value.Name);
    }

    /// <summary>
    /// Property: under any sequence of writes to two tenants over the same few ids, each tenant sees exactly its own
    /// model of what it wrote, and nothing of the other's. Seeded, so a failure reproduces.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Tenants_RandomInterleavedWrites_EachSeesOnlyItsOwnModel(int seed)
    {
        var random = new Random(seed);
        var tenants = new[] { TenantA, TenantB };
        var models = tenants.ToDictionary(t => t, _ => new Dictionary<string, (string Name, string ETag)>());
        for (var step = 0; step < 60; step++)
        {
            var tenant = tenants[random.Next(2)];
            var store = Store.For(tenant);
            var model = models[tenant];
            var id = "w" + random.Next(4);
            var name = $"{tenant.Value}-{step}";
            var mode = (DocumentWriteMode)random.Next(4);
            var exists = model.TryGetValue(id, out var current);
            try
            {
                var etags = await store.CommitAsync([mode == DocumentWriteMode.Delete
                    ? DocumentWrite.Delete(ContractWidget.Kind, id, exists ? current.ETag : null)
                    : TypedDocuments.Write(mode, store, Widget(tenant, id, name), exists ? current.ETag : null)]);
                Assert.True(mode switch { DocumentWriteMode.Create => !exists, DocumentWriteMode.Upsert => true, _ => exists }, $"step {step}: {mode} of {id} should have failed");
                if (mode == DocumentWriteMode.Delete) model.Remove(id);
                else model[id] = (name, etags[0]!);
            }
            catch (DocumentConflictException)
            {
                Assert.True(mode == DocumentWriteMode.Create && exists, $"step {step}: unexpected conflict");
            }
            catch (DocumentMissingException)
            {
                Assert.True(mode is DocumentWriteMode.Replace or DocumentWriteMode.Delete && !exists, $"step {step}: unexpected missing");
            }

            foreach (var t in tenants)
            {
                var seen = await Store.For(t).ListAsync<ContractWidget>();
                Assert.Equal(models[t].OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value.Name, p.Value.ETag)),
                    seen.Select(v => (v.Value.Id, v.Value.Name, v.ETag)));
                Assert.All(seen, v => Assert.Equal(t, v.Value.TenantId));
            }
        }
    }

    protected static ContractWidget Widget(TenantId tenant, string id, string name, int size = 1, bool active = false, string? note = null) =>
        new(id, tenant, name, size, active, note);

    protected static DocumentWrite Raw(DocumentWriteMode mode, string kind, string id, string json) =>
        new(mode, kind, id, Encoding.UTF8.GetBytes(json));

    private static string Text(StoredDocument document) => Encoding.UTF8.GetString(document.Json.Span);

    private static IEnumerable<string> Ids(IReadOnlyList<Versioned<ContractWidget>> widgets) => widgets.Select(w => w.Value.Id);
}

/// <summary>The record the contract writes: a string, a number, a boolean and an optional field to filter on.</summary>
public sealed record ContractWidget(string Id, TenantId TenantId, string Name, int Size, bool Active, string? Note) : IDocument
{
    public static string Kind => "contract_widget";
}
