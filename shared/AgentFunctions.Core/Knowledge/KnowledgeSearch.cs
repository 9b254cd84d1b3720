namespace AgentFunctions.Knowledge;

/// <summary>What a search found, and the embedding tokens its query cost (0 for a keyword search): metered by the caller.</summary>
public sealed record KnowledgeSearchResult(IReadOnlyList<KnowledgeHit> Hits, int QueryEmbeddingTokens);

/// <summary>Embeds the query when the mode needs a vector, then searches the index: the one path both the API and the engine use.</summary>
public sealed class KnowledgeSearch(IKnowledgeIndex index, ITextEmbedder embedder)
{
    public async Task<KnowledgeSearchResult> SearchAsync(IndexScope scope, string text, int topK, SearchMode mode, CancellationToken cancellationToken = default)
    {
        float[]? vector = null;
        var embeddingTokens = 0;
        if (mode != SearchMode.Keyword)
        {
            // The query is cut to the model's window on purpose: a question longer than 256 word pieces still has a useful vector.
            var query = FitWindow(text);
            embeddingTokens = embedder.CountInputTokens(query);
            vector = (await embedder.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];
        }
        var hits = await index.SearchAsync(new IndexSearch(scope, text, vector, topK, mode), cancellationToken).ConfigureAwait(false);
        return new KnowledgeSearchResult(hits, embeddingTokens);
    }

    private string FitWindow(string text)
    {
        while (embedder.CountInputTokens(text) > embedder.MaxInputTokens && text.Length > 1)
        {
            text = text[..(text.Length * 3 / 4)];
        }
        return text;
    }
}
