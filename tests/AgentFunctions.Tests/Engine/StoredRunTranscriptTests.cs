using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Engine;

public sealed class StoredRunTranscriptTests : IDisposable
{
    private static readonly TenantId Tenant = new("ten_transcript");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-transcript-" + Guid.NewGuid().ToString("N"));
    private readonly FileDocumentStore store;

    public StoredRunTranscriptTests() => store = new FileDocumentStore(directory);

    [Fact]
    public async Task Write_IndexTaken_KeepsTheFirstMessageAndReturnsIt()
    {
        var transcript = new StoredRunTranscript(store);
        await transcript.WriteAsync(Tenant, "run_a", [new TranscriptEntry(0, ChatMessage.User("hello")), new TranscriptEntry(1, ChatMessage.Tool("c1", "first"))]);

        var again = await transcript.WriteAsync(Tenant, "run_a", [new TranscriptEntry(1, ChatMessage.Tool("c1", "second")), new TranscriptEntry(2, ChatMessage.Tool("c2", "third"))]);
        var read = await transcript.ReadAsync(Tenant, "run_a", 3);

        Assert.Equal(["first", "third"], again.Select(m => m.Content));
        Assert.Equal(["hello", "first", "third"], read.Select(m => m.Content));
        Assert.Equal(RunTranscriptMessage.IdFor("run_a", 1), (await store.For(Tenant).GetAsync<RunTranscriptMessage>("run_a.00001"))!.Value.Id);
    }

    [Fact]
    public async Task WriteStart_OneDocumentForTheWholeStart_ReadInOrderAndKeptOnARerun()
    {
        var transcript = new StoredRunTranscript(store);
        var stored = await transcript.WriteStartAsync(Tenant, "run_a", [ChatMessage.System("rules"), ChatMessage.User("earlier"), ChatMessage.User("now")]);
        await transcript.WriteAsync(Tenant, "run_a", [new TranscriptEntry(3, ChatMessage.Tool("c1", "result"))]);

        var again = await transcript.WriteStartAsync(Tenant, "run_a", [ChatMessage.System("changed rules"), ChatMessage.User("now")]);
        var read = await transcript.ReadAsync(Tenant, "run_a", 4);

        Assert.Equal(["rules", "earlier", "now"], stored.Select(m => m.Content));
        Assert.Equal(["rules", "earlier", "now"], again.Select(m => m.Content));
        Assert.Equal(["rules", "earlier", "now", "result"], read.Select(m => m.Content));
        // One document for the start, one for the tool result; both dropped with the run.
        Assert.Equal(2, (await store.For(Tenant).ListAsync<RunTranscriptMessage>(default, new FieldEquals("run_id", "run_a"))).Count);
        await transcript.DeleteAsync(Tenant, "run_a");
        Assert.Empty(await store.For(Tenant).ListAsync<RunTranscriptMessage>(default, new FieldEquals("run_id", "run_a")));
    }

    [Fact]
    public async Task Read_MessageMissingOrOtherRun_Throws()
    {
        var transcript = new StoredRunTranscript(store);
        await transcript.WriteAsync(Tenant, "run_a", [new TranscriptEntry(0, ChatMessage.User("hello")), new TranscriptEntry(2, ChatMessage.User("gap"))]);

        await Assert.ThrowsAsync<InvalidOperationException>(() => transcript.ReadAsync(Tenant, "run_a", 3));
        await Assert.ThrowsAsync<InvalidOperationException>(() => transcript.ReadAsync(Tenant, "run_b", 1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => transcript.ReadAsync(new TenantId("ten_other"), "run_a", 1));
    }

    [Fact]
    public async Task Delete_DropsOnlyThatRunsMessages_AndIsIdempotent()
    {
        var transcript = new StoredRunTranscript(store);
        await transcript.WriteAsync(Tenant, "run_a", [new TranscriptEntry(0, ChatMessage.User("a"))]);
        await transcript.WriteAsync(Tenant, "run_b", [new TranscriptEntry(0, ChatMessage.User("b"))]);

        await transcript.DeleteAsync(Tenant, "run_a");
        await transcript.DeleteAsync(Tenant, "run_a");

        Assert.Empty(await store.For(Tenant).ListAsync<RunTranscriptMessage>(default, new FieldEquals("run_id", "run_a")));
        Assert.Equal("b", Assert.Single(await transcript.ReadAsync(Tenant, "run_b", 1)).Content);
    }

    public void Dispose()
    {
        store.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner.
        }
    }
}
