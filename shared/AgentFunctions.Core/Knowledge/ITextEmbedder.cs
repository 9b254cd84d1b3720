namespace AgentFunctions.Knowledge;

/// <summary>The embeddings port (Azure OpenAI in Azure, all-MiniLM-L6-v2 from its NuGet package locally).</summary>
public interface ITextEmbedder
{
    int Dimensions { get; }

    /// <summary>The most input tokens the model reads; text beyond it would be cut off, so chunks must fit.</summary>
    int MaxInputTokens { get; }

    /// <summary>The model's own token count of <paramref name="text"/> (word pieces for MiniLM), special tokens included.</summary>
    int CountInputTokens(string text);

    /// <summary>Unit-length vectors, one per text, in order. Throws when a text does not fit <see cref="MaxInputTokens"/>.</summary>
    Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
