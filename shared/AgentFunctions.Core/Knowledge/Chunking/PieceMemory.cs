namespace AgentFunctions.Knowledge.Chunking;

/// <summary>
/// What a tokenizer said about each distinct piece of text (a word with its leading space, say), remembered so that the
/// pieces most text is made of are counted once: a piece seen before is found by its span, without making a string.
/// Bounded (at most 50,000 pieces: a few MB) and not thread-safe: keep one per thread.
/// </summary>
public sealed class PieceMemory<T>
{
    private const int Capacity = 50_000;
    private readonly Dictionary<string, T> values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public PieceMemory() => lookup = values.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The remembered value of <paramref name="piece"/>, or <paramref name="count"/>'s (remembered while there is room).</summary>
    public T GetOrAdd<TState>(ReadOnlySpan<char> piece, TState state, Func<string, TState, T> count)
    {
        if (lookup.TryGetValue(piece, out var known)) return known;
        var text = new string(piece);
        var value = count(text, state);
        if (values.Count < Capacity) values[text] = value;
        return value;
    }
}
