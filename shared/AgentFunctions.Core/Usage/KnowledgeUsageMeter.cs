using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Usage;

/// <summary>
/// Knowledge's usage hooks: a query (an API query gets its own id; an agent run's retrieval is keyed by the run, so a
/// replayed PrepareRun counts once), and an indexed document version (documents, bytes and embedding tokens, keyed by
/// the document and its version, so a re-delivered ingestion job counts once).
/// </summary>
public sealed class KnowledgeUsageMeter(UsageRecorder recorder, TimeProvider time)
{
    public Task QueriedAsync(Caller caller, string? agentId, CancellationToken cancellationToken) =>
        recorder.RecordAsync(new UsageEvent(caller.Tenant, UsageEventKeys.KnowledgeQuery(Ids.New("kq")), UsageMeters.KnowledgeQueries, 1, time.GetUtcNow(),
            AgentId: agentId, UserId: caller.UserId, KeyId: caller.KeyId), cancellationToken);

    public Task RetrievedForRunAsync(TenantId tenant, string runId, string agentId, string userId, CancellationToken cancellationToken) =>
        recorder.RecordAsync(new UsageEvent(tenant, UsageEventKeys.KnowledgeQuery(runId), UsageMeters.KnowledgeQueries, 1, time.GetUtcNow(),
            AgentId: agentId, UserId: userId, RunId: runId, RootRunId: RunUsageMeter.RootOf(runId), CorrelationId: RunUsageMeter.RootOf(runId)), cancellationToken);

    public Task IndexedAsync(KnowledgeDocument document, long bytes, long embeddingTokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var version = $"v{document.Version}";
        UsageEvent Event(string meter, long quantity) => new(document.TenantId, UsageEventKeys.DocumentIndexed(document.Id, version, meter), meter, quantity, now,
            UserId: document.CreatedBy, CorrelationId: document.Id);
        return recorder.RecordAsync(
        [
            Event(UsageMeters.DocumentsIndexed, 1),
            Event(UsageMeters.BytesIndexed, bytes),
            Event(UsageMeters.EmbeddingTokens, embeddingTokens),
        ], cancellationToken);
    }
}
