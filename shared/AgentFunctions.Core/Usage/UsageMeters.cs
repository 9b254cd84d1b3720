namespace AgentFunctions.Usage;

/// <summary>
/// The meters usage is counted on. A meter names one unit: tokens, calls, queries, documents, bytes, events or seconds.
/// Model meters carry the model; the tool meter carries the tool.
/// </summary>
public static class UsageMeters
{
    public const string ModelInputTokens = "model.input_tokens";
    public const string ModelOutputTokens = "model.output_tokens";
    public const string ModelCachedTokens = "model.cached_tokens";
    public const string ToolCalls = "tool.calls";
    public const string KnowledgeQueries = "knowledge.queries";
    public const string DocumentsIndexed = "knowledge.documents_indexed";
    public const string BytesIndexed = "knowledge.bytes_indexed";
    public const string EmbeddingTokens = "knowledge.embedding_tokens";
    public const string TriggerEvents = "trigger.events";
    public const string RunSeconds = "run.seconds";

    public static readonly IReadOnlyList<string> All =
    [
        ModelInputTokens, ModelOutputTokens, ModelCachedTokens, ToolCalls, KnowledgeQueries, DocumentsIndexed, BytesIndexed,
        EmbeddingTokens, TriggerEvents, RunSeconds,
    ];

    /// <summary>The meters a tenant's monthly token budget counts (cached tokens are part of input tokens already).</summary>
    public static readonly IReadOnlyList<string> BudgetTokens = [ModelInputTokens, ModelOutputTokens, EmbeddingTokens];
}
