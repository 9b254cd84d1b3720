using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The keyword index's tokenizer and term dictionary: a token is a run of letters and digits, lower-cased, with its
/// diacritics removed and Porter-stemmed (what SQLite FTS5's <c>porter unicode61 remove_diacritics 2</c> did before the
/// index moved into memory). Each distinct stem gets a number; a word seen once is looked up again without allocating.
/// Thread-safe: ingestion, loading and queries tokenize at the same time.
/// </summary>
internal sealed class KeywordTerms
{
    private readonly ConcurrentDictionary<string, int> byWord = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> byStem = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> wordLookup;
    private readonly ThreadLocal<ThreadMemory> local = new(() => new ThreadMemory());
    private int next;

    public KeywordTerms() => wordLookup = byWord.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A thread's own copy of the words it has looked up (term numbers never change; at most 50,000) and its counting buffer.</summary>
    private sealed class ThreadMemory
    {
        public readonly Dictionary<string, int> Words = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup;
        public readonly Dictionary<int, int> Counts = [];

        public ThreadMemory() => Lookup = Words.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The term numbers of <paramref name="text"/> with their counts, and the number of tokens.</summary>
    public (int Term, int Count)[] Count(string text, string? more, out int length)
    {
        var memory = local.Value!;
        var counts = memory.Counts;
        counts.Clear();
        length = 0;
        foreach (var part in more is null ? [text] : new[] { text, more })
        {
            var at = 0;
            while (NextToken(part, ref at, out var start, out var end))
            {
                var token = part.AsSpan(start, end - start);
                if (!memory.Lookup.TryGetValue(token, out var term))
                {
                    term = TermOf(token, add: true, out _);
                    // A raw token always maps to the same term (case and diacritics folded the same way).
                    if (memory.Words.Count < 50_000) memory.Words[new string(token)] = term;
                }
                System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, term, out _)++;
                length++;
            }
        }
        var result = new (int, int)[counts.Count];
        var i = 0;
        foreach (var (term, count) in counts) result[i++] = (term, count);
        return result;
    }

    /// <summary>
    /// The distinct known terms of a query (at most 64 words). English function words are left out when the query has
    /// other words: BM25 weighs them near zero, and each one matches nearly every chunk.
    /// </summary>
    public List<int> Query(string text)
    {
        var words = new List<(int Term, bool Stop)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var at = 0;
        while (seen.Count < 64 && NextToken(text, ref at, out var start, out var end))
        {
            var term = TermOf(text.AsSpan(start, end - start), add: false, out var word);
            if (!seen.Add(word)) continue;
            words.Add((term, StopWords.Contains(word)));
        }
        if (words.Any(w => !w.Stop)) words.RemoveAll(w => w.Stop);
        return words.Where(w => w.Term > 0).Select(w => w.Term).Distinct().ToList();
    }

    private static bool NextToken(string text, ref int at, out int start, out int end)
    {
        while (at < text.Length && !IsTokenChar(text[at])) at++;
        start = at;
        while (at < text.Length && IsTokenChar(text[at])) at++;
        end = at;
        return end > start;
    }

    private static bool IsTokenChar(char c) =>
        c < 128 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.PrivateUse;

    /// <summary>The term number of a raw token (0 for a query word no chunk has); <paramref name="word"/> is its normal form.</summary>
    private int TermOf(ReadOnlySpan<char> token, bool add, out string word)
    {
        var rented = token.Length > 128 ? ArrayPool<char>.Shared.Rent(token.Length) : null;
        Span<char> lower = rented ?? stackalloc char[128];
        lower = lower[..token.Length];
        var ascii = true;
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c >= 128) ascii = false;
            lower[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
        }
        try
        {
            if (ascii && wordLookup.TryGetValue(lower, out var known))
            {
                word = add ? "" : new string(lower);
                return known;
            }
            word = ascii ? new string(lower) : Fold(lower);
            if (!ascii && byWord.TryGetValue(word, out known)) return known;
            var stem = PorterStemmer.Stem(word);
            int term;
            if (add) term = byStem.GetOrAdd(stem, _ => Interlocked.Increment(ref next));
            else if (!byStem.TryGetValue(stem, out term)) return 0;
            byWord.TryAdd(word, term);
            return term;
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Lower case without diacritics ("Café" and "cafe" are one word).</summary>
    private static string Fold(ReadOnlySpan<char> token)
    {
        var decomposed = new string(token).ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) kept.Append(c);
        }
        return kept.ToString().Normalize(NormalizationForm.FormC);
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being", "but", "by", "can",
        "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he", "her", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "should", "so", "than", "that", "the", "their", "them",
        "then", "there", "these", "they", "this", "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "would", "you", "your",
    };
}
