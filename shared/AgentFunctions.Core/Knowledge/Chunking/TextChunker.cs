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
    /// is counted by the tokenizer once per thread and remembered (at most 50,000 per thread). One space at the end (what a
    /// sentence split off a paragraph keeps) is a pre-token of its own, so it adds the count of a lone space. Other text is
    /// counted whole.
    /// </summary>
    public static int CountTokens(string text)
    {
        var span = text.AsSpan();
        var trailingSpace = EndsInOneSpace(span);
        if (trailingSpace) span = span[..^1];
        if (!IsSingleSpaced(span)) return O200k.Value.CountTokens(text);
        var memory = pieceMemory ??= new PieceMemory<int>();
        var total = trailingSpace ? LoneSpace.Value : 0;
        var start = 0;
        while (start < span.Length)
        {
            var space = span[(start + 1)..].IndexOf(' ');
            var end = space < 0 ? span.Length : start + 1 + space;
            // The piece with its leading space (none for the first).
            total += memory.GetOrAdd(span[start..end], 0, static (piece, _) => O200k.Value.CountTokens(piece));
            start = end;
        }
        return total;
    }

    /// <summary>
    /// o200k's pre-tokenizer splits white space at the end of a text off as a token of its own (<c>\s+(?!\S)</c>), and none of
    /// its other patterns ends in a space, so "text " counts as "text" plus " ".
    /// </summary>
    private static bool EndsInOneSpace(ReadOnlySpan<char> text) => text.Length > 1 && text[^1] == ' ' && !char.IsWhiteSpace(text[^2]);

    private static readonly Lazy<int> LoneSpace = new(() => O200k.Value.CountTokens(" "));

    /// <summary>Text whose only white space is single spaces between words: its count is the sum over its pieces.</summary>
    private static bool IsSingleSpaced(ReadOnlySpan<char> text) =>
        !(text.IsEmpty || text[0] == ' ' || text[^1] == ' ' || text.Contains("  ", StringComparison.Ordinal) || text.IndexOfAny(OtherWhiteSpace) >= 0);

    /// <summary>The tokenizer's count of the whole text, without the per-piece memory (what the tests compare with).</summary>
    public static int CountTokensWhole(string text) => O200k.Value.CountTokens(text);

    private static readonly System.Buffers.SearchValues<char> OtherWhiteSpace = System.Buffers.SearchValues.Create(
        "\t\n\v\f\r\u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    [ThreadStatic]
    private static PieceMemory<int>? pieceMemory;

    /// <summary>
    /// The o200k count and, with an additive window count, the window count (without its overhead; -1 when not counted)
    /// of a piece of text. On single-spaced text both come from one pass over its space-separated pieces, each distinct
    /// piece counted by both once per thread and remembered together (at most 50,000 per thread).
    /// </summary>
    private static (int Tokens, int Window) Measure(string text, IAdditiveTokenCount? parts)
    {
        if (parts is null) return (CountTokens(text), -1);
        var span = text.AsSpan();
        // "text " is the parts "text" and "" joined by a space (for the window count), and "text" plus a lone space for o200k.
        var trailingSpace = EndsInOneSpace(span);
        if (trailingSpace) span = span[..^1];
        if (!IsSingleSpaced(span)) return (CountTokens(text), parts.CountPart(text));
        if (bothMemory is null || !ReferenceEquals(bothMemoryParts, parts))
        {
            bothMemory = new PieceMemory<(int Tokens, int Window)>();
            bothMemoryParts = parts;
        }
        var memory = bothMemory;
        var tokens = trailingSpace ? LoneSpace.Value : 0;
        var window = trailingSpace ? parts.CountPart("") : 0;
        var start = 0;
        while (start < span.Length)
        {
            var space = span[(start + 1)..].IndexOf(' ');
            var end = space < 0 ? span.Length : start + 1 + space;
            // The piece with its leading space (none for the first): o200k counts it so, the window count without it.
            var both = memory.GetOrAdd(span[start..end], (parts, First: start == 0),
                static (piece, state) => (O200k.Value.CountTokens(piece), state.parts.CountPart(state.First ? piece : piece[1..])));
            tokens += both.Tokens;
            window += both.Window;
            start = end;
        }
        return (tokens, window);
    }

    /// <summary>Both counts of each piece, for the additive window count they were made with.</summary>
    [ThreadStatic]
    private static PieceMemory<(int Tokens, int Window)>? bothMemory;

    [ThreadStatic]
    private static IAdditiveTokenCount? bothMemoryParts;

    /// <summary>A sentence, row or paragraph to pack: its o200k count and its window count without overhead (-1: not counted).</summary>
    private sealed record Unit(string Text, int Tokens, int Window, int Start, int End, int? Page);

    /// <summary>The heading path of a section, and its line in the embedding text (its window count taken once, when needed).</summary>
    private sealed class Section(IReadOnlyList<string> headingPath, IAdditiveTokenCount? parts)
    {
        private int window = -1;

        public IReadOnlyList<string> HeadingPath { get; } = headingPath;

        public string? HeadingLine { get; } = headingPath.Count == 0 ? null : string.Join(" > ", headingPath);

        public int HeadingWindow => window >= 0 ? window : window = parts!.CountPart(HeadingLine!);
    }

    public static IReadOnlyList<TextChunk> Split(IReadOnlyList<TextBlock> blocks, ChunkingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkTokens, 16);
        ArgumentOutOfRangeException.ThrowIfNegative(options.OverlapTokens);
        var parts = options.WindowParts;
        var chunks = new List<TextChunk>();
        var headings = new List<(int Level, string Text)>();
        var section = new List<Unit>();
        var offset = 0;

        void FlushSection()
        {
            if (section.Count > 0) Pack(section, new Section(headings.Select(h => h.Text).ToList(), parts), options, chunks);
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
            var (tokens, window) = Measure(block.Text, parts);
            if (tokens <= options.ChunkTokens)
            {
                section.Add(new Unit(block.Text, tokens, window, start, start + block.Text.Length, block.Page));
                continue;
            }
            foreach (var (text, at, measured) in Pieces(block.Text, options.ChunkTokens, parts))
            {
                section.Add(new Unit(text, measured.Tokens, measured.Window, start + at, start + at + text.Length, block.Page));
            }
        }
        FlushSection();
        return chunks;
    }

    /// <summary>Sentences of a too-long block; a sentence still too long is cut into runs of words.</summary>
    private static IEnumerable<(string Text, int At, (int Tokens, int Window) Measured)> Pieces(string text, int maxTokens, IAdditiveTokenCount? parts)
    {
        foreach (Match sentence in Sentence().Matches(text))
        {
            var measured = Measure(sentence.Value, parts);
            if (measured.Tokens <= maxTokens)
            {
                yield return (sentence.Value, sentence.Index, measured);
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
                var run = sentence.Value[startAt..endAt];
                yield return (run, sentence.Index + startAt, Measure(run, parts));
                from = to + 1;
            }
        }
    }

    private static void Pack(List<Unit> units, Section section, ChunkingOptions options, List<TextChunk> chunks)
    {
        var current = new List<Unit>();
        var tokens = 0;
        var fresh = 0;
        foreach (var unit in units)
        {
            if (current.Count > 0 && tokens + unit.Tokens > options.ChunkTokens)
            {
                Emit(current, section, options, chunks);
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
        if (fresh > 0) Emit(current, section, options, chunks);
    }

    private static void Emit(List<Unit> units, Section section, ChunkingOptions options, List<TextChunk> chunks)
    {
        var chunk = new TextChunk(chunks.Count, JoinLines(units), section.HeadingPath, units[0].Page, units[0].Start, units[^1].End);
        if ((WindowCount(units, section, options.WindowParts) ?? options.CountWindowTokens(chunk.EmbeddingText)) <= options.WindowTokens)
        {
            chunks.Add(chunk);
            return;
        }
        if (units.Count > 1)
        {
            Emit(units[..(units.Count / 2)], section, options, chunks);
            Emit(units[(units.Count / 2)..], section, options, chunks);
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
        var leftMeasured = Measure(left, options.WindowParts);
        var rightMeasured = Measure(right, options.WindowParts);
        Emit([new Unit(left, leftMeasured.Tokens, leftMeasured.Window, unit.Start, unit.Start + left.Length, unit.Page)], section, options, chunks);
        Emit([new Unit(right, rightMeasured.Tokens, rightMeasured.Window, unit.Start + cut, unit.End, unit.Page)], section, options, chunks);
    }

    /// <summary>
    /// The window count of the chunk's embedding text (heading line, then the units, joined by line breaks) from the parts'
    /// remembered counts; null when a part was not counted or a join may merge its neighbours (then the whole text is counted).
    /// </summary>
    private static int? WindowCount(List<Unit> units, Section section, IAdditiveTokenCount? parts)
    {
        if (parts is null) return null;
        var total = parts.Overhead;
        var previous = section.HeadingLine;
        if (previous is not null) total += section.HeadingWindow;
        foreach (var unit in units)
        {
            if (unit.Window < 0 || (previous is not null && !KeptApart(previous, unit.Text, parts))) return null;
            total += unit.Window;
            previous = unit.Text;
        }
        return total;
    }

    private static bool KeptApart(string before, string after, IAdditiveTokenCount parts)
    {
        var left = before.AsSpan().TrimEnd('\n');
        var right = after.AsSpan().TrimStart('\n');
        return !left.IsEmpty && !right.IsEmpty && parts.KeepsApart(left[^1], right[0]);
    }

    /// <summary>The units' texts joined by line breaks, in one copy.</summary>
    private static string JoinLines(List<Unit> units)
    {
        if (units.Count == 1) return units[0].Text;
        var length = units.Count - 1;
        foreach (var unit in units) length += unit.Text.Length;
        return string.Create(length, units, static (span, list) =>
        {
            var at = 0;
            for (var i = 0; i < list.Count; i++)
            {
                if (i > 0) span[at++] = '\n';
                list[i].Text.CopyTo(span[at..]);
                at += list[i].Text.Length;
            }
        });
    }

    [GeneratedRegex(@"[^.!?]+(?:[.!?]+[""')\]]*|$)\s*")]
    private static partial Regex Sentence();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();
}
