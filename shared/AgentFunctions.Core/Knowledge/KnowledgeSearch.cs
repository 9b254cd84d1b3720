namespace AgentFunctions.Knowledge;

/// <summary>Embeds the query when the mode needs a vector, then searches the index: the one path both the API and the engine use.</summary>
public sealed class KnowledgeSearch(IKnowledgeIndex index, ITextEmbedder embedder)
{
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IndexScope scope, string text, int topK, SearchMode mode, CancellationToken cancellationToken = default)
    {
        float[]? vector = null;
        if (mode != SearchMode.Keyword)
        {
            // The query is cut to the model's window on purpose: a question longer than 256 word pieces still has a useful vector.
            var query = FitWindow(text);
            vector = (await embedder.EmbedAsync([query], cancellationToken).ConfigureAwait(false))[0];
        }
        return await index.SearchAsync(new IndexSearch(scope, text, vector, topK, mode), cancellationToken).ConfigureAwait(false);
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
