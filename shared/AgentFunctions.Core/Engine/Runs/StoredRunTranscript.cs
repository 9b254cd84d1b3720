using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Storage;

namespace AgentFunctions.Engine.Runs;

/// <summary>
/// The run transcript in the document store (Cosmos DB in Azure, in the run's tenant partition): one document per
/// message, created once (a create that finds its id taken reads the stored message back), deleted when the run is
/// closed; the run's start (prompt, history, the user's message) is one document, since only the preparation writes it.
/// Each document is a create, a read per model call and a delete, so fewer documents is fewer request units. Used with
/// the Durable engine.
/// </summary>
public sealed class StoredRunTranscript(IDocumentStore store) : IRunTranscript
{
    public async Task<IReadOnlyList<ChatMessage>> WriteStartAsync(TenantId tenant, string runId, IReadOnlyList<ChatMessage> start, CancellationToken cancellationToken = default)
    {
        if (start.Count == 0) return [];
        var documents = store.For(tenant);
        var document = new RunTranscriptMessage(RunTranscriptMessage.IdFor(runId, 0), tenant, runId, 0, start[0], start.Skip(1).ToList());
        try
        {
            await documents.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            return start;
        }
        catch (DocumentConflictException)
        {
            // A re-run of the preparation: keep what the first run wrote.
            var stored = (await documents.GetAsync<RunTranscriptMessage>(document.Id, cancellationToken).ConfigureAwait(false))!.Value;
            return [stored.Message, .. stored.Following ?? []];
        }
    }

    public async Task<IReadOnlyList<ChatMessage>> WriteAsync(TenantId tenant, string runId, IReadOnlyList<TranscriptEntry> entries, CancellationToken cancellationToken = default)
    {
        var documents = store.For(tenant);
        var messages = entries.Select(e => new RunTranscriptMessage(RunTranscriptMessage.IdFor(runId, e.Index), tenant, runId, e.Index, e.Message)).ToList();
        try
        {
            await documents.CommitAsync(messages.Select(m => TypedDocuments.Write(DocumentWriteMode.Create, documents, m)).ToList(), cancellationToken).ConfigureAwait(false);
            return entries.Select(e => e.Message).ToList();
        }
        catch (DocumentConflictException)
        {
            // A re-run of the activity: keep what the first run wrote, one message at a time.
        }
        var stored = new List<ChatMessage>(messages.Count);
        foreach (var message in messages)
        {
            try
            {
                await documents.CreateAsync(message, cancellationToken).ConfigureAwait(false);
                stored.Add(message.Message);
            }
            catch (DocumentConflictException)
            {
                stored.Add((await documents.GetAsync<RunTranscriptMessage>(message.Id, cancellationToken).ConfigureAwait(false))!.Value.Message);
            }
        }
        return stored;
    }

    public async Task<IReadOnlyList<ChatMessage>> ReadAsync(TenantId tenant, string runId, int count, CancellationToken cancellationToken = default)
    {
        var stored = await store.For(tenant).ListAsync<RunTranscriptMessage>(cancellationToken, new FieldEquals("run_id", runId)).ConfigureAwait(false);
        var messages = new ChatMessage?[count];
        foreach (var item in stored)
        {
            if (item.Value.Index < count) messages[item.Value.Index] = item.Value.Message;
            var following = item.Value.Following ?? [];
            for (var i = 0; i < following.Count && item.Value.Index + 1 + i < count; i++) messages[item.Value.Index + 1 + i] = following[i];
        }
        for (var i = 0; i < count; i++)
        {
            if (messages[i] is null) throw new InvalidOperationException($"Message {i} of run {runId}'s transcript is missing.");
        }
        return messages!;
    }

    public async Task DeleteAsync(TenantId tenant, string runId, CancellationToken cancellationToken = default)
    {
        var documents = store.For(tenant);
        var stored = await documents.QueryAsync(RunTranscriptMessage.Kind, [new FieldEquals("run_id", runId)], cancellationToken).ConfigureAwait(false);
        // In batches within a Cosmos transactional batch's 100 operations; one at a time if another delete got there first.
        foreach (var chunk in stored.Chunk(100))
        {
            try
            {
                await documents.CommitAsync(chunk.Select(m => DocumentWrite.Delete(RunTranscriptMessage.Kind, m.Id)).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentMissingException)
            {
                foreach (var message in chunk)
                {
                    try
                    {
                        await documents.CommitAsync([DocumentWrite.Delete(RunTranscriptMessage.Kind, message.Id)], cancellationToken).ConfigureAwait(false);
                    }
                    catch (DocumentMissingException)
                    {
                        // Deleted by an earlier try.
                    }
                }
            }
        }
    }
}
