using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Engine.Knowledge;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Usage;

/// <summary>
/// Knowledge's usage hooks: a query (an API query gets its own id; an agent run's retrieval is keyed by the run, so a
/// replayed PrepareRun counts once), and an indexed document version (documents, bytes and embedding tokens, keyed by
/// the document and its version, so a re-delivered ingestion job counts once).
/// </summary>
public sealed class KnowledgeUsageMeter(UsageRecorder recorder, TimeProvider time)
{
    /// <summary>An API query: one query, and the tokens of its embedding when it had one (keyword-only queries embed nothing).</summary>
    public Task QueriedAsync(Caller caller, string? agentId, int embeddingTokens, CancellationToken cancellationToken)
    {
        var queryId = Ids.New("kq");
        var now = time.GetUtcNow();
        UsageEvent Event(string meter, long quantity) => new(caller.Tenant, UsageEventKeys.KnowledgeQuery(queryId, meter), meter, quantity, now,
            AgentId: agentId, UserId: caller.UserId, KeyId: caller.KeyId);
        return recorder.RecordAsync(Events(Event, embeddingTokens), cancellationToken);
    }

    /// <summary>A run's retrieval (before its first model call, or a <c>builtin.knowledge_search</c> call), keyed by its cause.</summary>
    public Task RetrievedAsync(TenantId tenant, string agentId, KnowledgeQueryUsage usage, int embeddingTokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var root = RunUsageMeter.RootOf(usage.RunId);
        UsageEvent Event(string meter, long quantity) => new(tenant, UsageEventKeys.KnowledgeQuery(usage.Key, meter), meter, quantity, now,
            AgentId: agentId, UserId: usage.UserId, RunId: usage.RunId, RootRunId: root, CorrelationId: root);
        return recorder.RecordAsync(Events(Event, embeddingTokens), cancellationToken);
    }

    private static IReadOnlyList<UsageEvent> Events(Func<string, long, UsageEvent> create, int embeddingTokens) => embeddingTokens > 0
        ? [create(UsageMeters.KnowledgeQueries, 1), create(UsageMeters.EmbeddingTokens, embeddingTokens)]
        : [create(UsageMeters.KnowledgeQueries, 1)];

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
