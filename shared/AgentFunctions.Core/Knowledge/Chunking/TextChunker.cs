using System.Text.RegularExpressions;
using AgentFunctions.Knowledge.Extraction;
using Microsoft.ML.Tokenizers;

namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// Splits extracted blocks into chunks of at most <see cref="ChunkingOptions.ChunkTokens"/> o200k tokens. A heading (or a
/// new page) starts a new chunk; paragraphs are packed whole, and split on sentence boundaries (then on words) only when one alone is too
/// long; a table row is never split unless one row alone exceeds the size. Consecutive chunks of a section share up to
/// <see cref="ChunkingOptions.OverlapTokens"/> tokens of whole sentences or rows. Finally every chunk is checked against
/// the embedder's window with the embedder's own count and halved until it fits: nothing is cut off silently.
/// </summary>
public static partial class TextChunker
{
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>
    /// The o200k token count of <paramref name="text"/>. o200k's pre-tokenizer never puts a space inside a token except at
    /// its start, so in text whose only white space is single spaces between words (what extraction produces) the count is
    /// the sum over the space-separated pieces, each after the first counted with its leading space; each distinct piece
    /// is counted by the tokenizer once per thread and remembered (at most 50,000 per thread). Other text is counted whole.
    /// </summary>
    public static int CountTokens(string text)
    {
        var span = text.AsSpan();
        if (span.IsEmpty || span[0] == ' ' || span[^1] == ' ' || span.Contains("  ", StringComparison.Ordinal) || span.IndexOfAny(OtherWhiteSpace) >= 0)
        {
            return O200k.Value.CountTokens(text);
        }
        var memory = pieceMemory ??= new PieceMemory();
        var total = 0;
        var start = 0;
        while (start < span.Length)
        {
            var space = span[(start + 1)..].IndexOf(' ');
            var end = space < 0 ? span.Length : start + 1 + space;
            // The piece with its leading space (none for the first).
            var piece = span[start..end];
            if (!memory.Lookup.TryGetValue(piece, out var count))
            {
                var pieceText = new string(piece);
                count = O200k.Value.CountTokens(pieceText);
                if (memory.Counts.Count < 50_000) memory.Counts[pieceText] = count;
            }
            total += count;
            start = end;
        }
        return total;
    }

    /// <summary>The tokenizer's count of the whole text, without the per-piece memory (what the tests compare with).</summary>
    public static int CountTokensWhole(string text) => O200k.Value.CountTokens(text);

    private static readonly System.Buffers.SearchValues<char> OtherWhiteSpace = System.Buffers.SearchValues.Create(
        "\t\n\v\f\r\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    private sealed class PieceMemory
    {
        public readonly Dictionary<string, int> Counts = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup;

        public PieceMemory() => Lookup = Counts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    [ThreadStatic]
    private static PieceMemory? pieceMemory;

    private sealed record Unit(string Text, int Tokens, int Start, int End, int? Page);

    public static IReadOnlyList<TextChunk> Split(IReadOnlyList<TextBlock> blocks, ChunkingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkTokens, 16);
        ArgumentOutOfRangeException.ThrowIfNegative(options.OverlapTokens);
        var chunks = new List<TextChunk>();
        var headings = new List<(int Level, string Text)>();
        var section = new List<Unit>();
        var offset = 0;

        void FlushSection()
        {
            if (section.Count > 0) Pack(section, headings.Select(h => h.Text).ToList(), options, chunks);
            section.Clear();
        }

        foreach (var block in blocks)
        {
            var start = offset;
            offset += block.Text.Length + 2;
            if (block.Kind == BlockKind.Heading)
            {
                FlushSection();
                headings.RemoveAll(h => h.Level >= block.Level);
                headings.Add((block.Level, block.Text));
                continue;
            }
            // A new page starts a new chunk too, so a chunk's page is the page its text is on.
            if (section.Count > 0 && block.Page != section[^1].Page) FlushSection();
            var tokens = CountTokens(block.Text);
            if (tokens <= options.ChunkTokens)
            {
                section.Add(new Unit(block.Text, tokens, start, start + block.Text.Length, block.Page));
                continue;
            }
            foreach (var (text, at) in Pieces(block.Text, options.ChunkTokens))
            {
                section.Add(new Unit(text, CountTokens(text), start + at, start + at + text.Length, block.Page));
            }
        }
        FlushSection();
        return chunks;
    }

    /// <summary>Sentences of a too-long block; a sentence still too long is cut into runs of words.</summary>
    private static IEnumerable<(string Text, int At)> Pieces(string text, int maxTokens)
    {
        foreach (Match sentence in Sentence().Matches(text))
        {
            if (CountTokens(sentence.Value) <= maxTokens)
            {
                yield return (sentence.Value, sentence.Index);
                continue;
            }
            var words = Word().Matches(sentence.Value);
            var from = 0;
            while (from < words.Count)
            {
                var to = from;
                while (to + 1 < words.Count && CountTokens(sentence.Value[words[from].Index..(words[to + 1].Index + words[to + 1].Length)]) <= maxTokens) to++;
                var startAt = words[from].Index;
                var endAt = words[to].Index + words[to].Length;
                yield return (sentence.Value[startAt..endAt], sentence.Index + startAt);
                from = to + 1;
            }
        }
    }

    private static void Pack(List<Unit> units, IReadOnlyList<string> headingPath, ChunkingOptions options, List<TextChunk> chunks)
    {
        var current = new List<Unit>();
        var tokens = 0;
        var fresh = 0;
        foreach (var unit in units)
        {
            if (current.Count > 0 && tokens + unit.Tokens > options.ChunkTokens)
            {
                Emit(current, headingPath, options, chunks);
                // Overlap: the trailing whole units of the chunk just written, up to the overlap budget.
                var overlap = new List<Unit>();
                var overlapTokens = 0;
                for (var i = current.Count - 1; i >= 0 && overlapTokens + current[i].Tokens <= options.OverlapTokens && overlapTokens + current[i].Tokens + unit.Tokens <= options.ChunkTokens; i--)
                {
                    overlap.Insert(0, current[i]);
                    overlapTokens += current[i].Tokens;
                }
                current = overlap;
                tokens = overlapTokens;
                fresh = 0;
            }
            current.Add(unit);
            tokens += unit.Tokens;
            fresh++;
        }
        if (fresh > 0) Emit(current, headingPath, options, chunks);
    }

    private static void Emit(List<Unit> units, IReadOnlyList<string> headingPath, ChunkingOptions options, List<TextChunk> chunks)
    {
        var chunk = new TextChunk(chunks.Count, string.Join("\n", units.Select(u => u.Text)), headingPath, units[0].Page, units[0].Start, units[^1].End);
        if (options.CountWindowTokens(chunk.EmbeddingText) <= options.WindowTokens)
        {
            chunks.Add(chunk);
            return;
        }
        if (units.Count > 1)
        {
            Emit(units[..(units.Count / 2)], headingPath, options, chunks);
            Emit(units[(units.Count / 2)..], headingPath, options, chunks);
            return;
        }
        var unit = units[0];
        var words = Word().Matches(unit.Text);
        if (words.Count < 2)
        {
            throw new ExtractionFailedException("The document holds a single word longer than the embedding model's input window.");
        }
        var cut = words[words.Count / 2].Index;
        var left = unit.Text[..cut].TrimEnd();
        var right = unit.Text[cut..];
        Emit([new Unit(left, CountTokens(left), unit.Start, unit.Start + left.Length, unit.Page)], headingPath, options, chunks);
        Emit([new Unit(right, CountTokens(right), unit.Start + cut, unit.End, unit.Page)], headingPath, options, chunks);
    }

    [GeneratedRegex(@"[^.!?]+(?:[.!?]+[""')\]]*|$)\s*")]
    private static partial Regex Sentence();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();
}
