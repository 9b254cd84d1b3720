using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentFunctions.Local.Knowledge;

/// <summary>One chunk ready for <see cref="KnowledgeBaseMemory.Add"/>: its row id, its keyword terms and its vector.</summary>
internal sealed record PreparedChunk(long Row, (int Term, int Count)[] Terms, int Length, float[] Vector);

/// <summary>
/// What the search of one tenant's knowledge base reads in memory; the SQLite chunk table stays the source of truth and
/// every hit is read back from it with the tenant filter.
/// <list type="bullet">
/// <item>Keywords: postings (chunk, term count) per term and each chunk's length, scored with BM25 (k1 = 1.2, b = 0.75,
/// FTS5's formula, the document frequency counting live chunks only).</item>
/// <item>Vectors: each vector as signed bytes scaled by its own largest component (a quarter of the float size, 38 MB
/// per 100,000 vectors of 384 dimensions), scanned with AVX2 multiply-add for candidates that the index then re-scores
/// with their exact float vectors.</item>
/// </list>
/// Built from SQLite on the first search of the knowledge base, then kept up to date by the index's writes (under its
/// write lock, after the commit), so a search sees the committed state. A removed chunk's slot is marked dead and skipped;
/// when dead slots outnumber live ones the structure is compacted. Not thread-safe by itself: the index calls
/// <see cref="Add"/>/<see cref="Remove"/> under its write lock and the searches under its read lock.
/// </summary>
internal sealed class KnowledgeBaseMemory
{
    private const float K1 = 1.2f;
    private const float B = 0.75f;

    private sealed class Postings
    {
        public int[] Slots = new int[4];
        public byte[] Counts = new byte[4];
        public int Count;

        public void Add(int slot, int count)
        {
            if (Count == Slots.Length)
            {
                Array.Resize(ref Slots, Math.Max(4, Count * 2));
                Array.Resize(ref Counts, Math.Max(4, Count * 2));
            }
            Slots[Count] = slot;
            Counts[Count++] = (byte)Math.Min(count, 255);
        }
    }

    private readonly Dictionary<int, Postings> postings = [];
    private readonly Dictionary<long, int> slotOfRow = [];
    private long[] rows = new long[256];
    private int[] lengths = new int[256];
    private bool[] dead = new bool[256];
    private float[] scales = new float[256];
    private sbyte[] codes = [];
    private int slots;
    private int live;
    private long totalLength;

    public int Dimensions { get; private set; }

    public int Count => live;

    public void Add(PreparedChunk chunk)
    {
        if (slots == rows.Length)
        {
            var size = slots * 2;
            Array.Resize(ref rows, size);
            Array.Resize(ref lengths, size);
            Array.Resize(ref dead, size);
            Array.Resize(ref scales, size);
        }
        var slot = slots++;
        rows[slot] = chunk.Row;
        lengths[slot] = chunk.Length;
        dead[slot] = false;
        slotOfRow[chunk.Row] = slot;
        live++;
        totalLength += chunk.Length;
        foreach (var (term, count) in chunk.Terms)
        {
            if (!postings.TryGetValue(term, out var list)) postings[term] = list = new Postings();
            list.Add(slot, count);
        }
        if (Dimensions == 0 && chunk.Vector.Length > 0) Dimensions = chunk.Vector.Length;
        if (codes.Length < rows.Length * Dimensions) Array.Resize(ref codes, rows.Length * Dimensions);
        // A vector of another length than the knowledge base's first is left out of vector search (scale 0).
        scales[slot] = chunk.Vector.Length == Dimensions && Dimensions > 0 ? Quantize(chunk.Vector, codes.AsSpan(slot * Dimensions, Dimensions)) : 0;
    }

    /// <summary>Gives back the spare room of the growing arrays (after a load: postings grow by doubling).</summary>
    public void Trim()
    {
        var size = Math.Max(slots, 1);
        Array.Resize(ref rows, size);
        Array.Resize(ref lengths, size);
        Array.Resize(ref dead, size);
        Array.Resize(ref scales, size);
        Array.Resize(ref codes, size * Dimensions);
        foreach (var list in postings.Values)
        {
            if (list.Slots.Length == list.Count) continue;
            Array.Resize(ref list.Slots, list.Count);
            Array.Resize(ref list.Counts, list.Count);
        }
    }

    public void Remove(long row)
    {
        if (!slotOfRow.Remove(row, out var slot)) return;
        dead[slot] = true;
        live--;
        totalLength -= lengths[slot];
        if (slots > 1024 && slots - live > live) Compact();
    }

    /// <summary>Drops the dead slots: postings, vectors and row ids move down to the live slots' new numbers.</summary>
    private void Compact()
    {
        var renumber = new int[slots];
        var kept = 0;
        for (var slot = 0; slot < slots; slot++)
        {
            if (dead[slot])
            {
                renumber[slot] = -1;
                continue;
            }
            renumber[slot] = kept;
            rows[kept] = rows[slot];
            lengths[kept] = lengths[slot];
            scales[kept] = scales[slot];
            dead[kept] = false;
            if (Dimensions > 0) codes.AsSpan(slot * Dimensions, Dimensions).CopyTo(codes.AsSpan(kept * Dimensions, Dimensions));
            slotOfRow[rows[kept]] = kept;
            kept++;
        }
        slots = kept;
        foreach (var (term, list) in postings.ToList())
        {
            var n = 0;
            for (var i = 0; i < list.Count; i++)
            {
                var slot = renumber[list.Slots[i]];
                if (slot < 0) continue;
                list.Slots[n] = slot;
                list.Counts[n++] = list.Counts[i];
            }
            list.Count = n;
            if (n == 0) postings.Remove(term);
        }
    }

    /// <summary>The <paramref name="limit"/> best chunks for the query's terms by BM25 (positive; best first, then by row id).</summary>
    public List<(long Row, double Score)> Keyword(IReadOnlyList<int> terms, int limit)
    {
        var result = new List<(long, double)>();
        if (live == 0 || terms.Count == 0) return result;
        var average = (float)totalLength / live;
        var scores = ArrayPool<float>.Shared.Rent(slots);
        Array.Clear(scores, 0, slots);
        try
        {
            var any = false;
            foreach (var term in terms)
            {
                if (!postings.TryGetValue(term, out var list)) continue;
                var frequency = 0;
                for (var i = 0; i < list.Count; i++)
                {
                    if (!dead[list.Slots[i]]) frequency++;
                }
                if (frequency == 0) continue;
                any = true;
                var idf = (float)Math.Log((live - frequency + 0.5) / (frequency + 0.5));
                if (idf <= 0) idf = 1e-6f;
                for (var i = 0; i < list.Count; i++)
                {
                    var slot = list.Slots[i];
                    if (dead[slot]) continue;
                    float count = list.Counts[i];
                    scores[slot] += idf * count * (K1 + 1) / (count + K1 * (1 - B + B * lengths[slot] / average));
                }
            }
            if (!any) return result;
            var best = new PriorityQueue<int, (float Score, long Row)>(limit + 1, Worse.Instance);
            for (var slot = 0; slot < slots; slot++)
            {
                var score = scores[slot];
                if (score <= 0) continue;
                if (best.Count < limit) best.Enqueue(slot, (score, rows[slot]));
                else if (best.TryPeek(out _, out var worst) && Worse.Instance.Compare(worst, (score, rows[slot])) < 0) best.EnqueueDequeue(slot, (score, rows[slot]));
            }
            while (best.TryDequeue(out var slot, out var key)) result.Add((key.Row, key.Score));
            result.Reverse();
            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>Orders (score, row) worst first: lower score, then higher row id.</summary>
    private sealed class Worse : IComparer<(float Score, long Row)>
    {
        public static readonly Worse Instance = new();

        public int Compare((float Score, long Row) x, (float Score, long Row) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Row.CompareTo(x.Row);
    }

    /// <summary>The row ids of the <paramref name="count"/> vectors with the highest approximate dot product with <paramref name="query"/>.</summary>
    public List<long> VectorCandidates(ReadOnlySpan<float> query, int count)
    {
        var result = new List<long>(count);
        if (live == 0 || Dimensions == 0 || query.Length != Dimensions) return result;
        var quantized = new sbyte[Dimensions];
        var queryScale = Quantize(query, quantized);
        var widened = new short[Dimensions];
        for (var i = 0; i < Dimensions; i++) widened[i] = quantized[i];
        var best = new PriorityQueue<long, float>(count + 1);
        var span = codes.AsSpan();
        for (var slot = 0; slot < slots; slot++)
        {
            if (dead[slot] || scales[slot] == 0) continue;
            var score = Dot(widened, span.Slice(slot * Dimensions, Dimensions)) / (queryScale * scales[slot]);
            if (best.Count < count) best.Enqueue(rows[slot], score);
            else if (best.TryPeek(out _, out var worst) && score > worst) best.EnqueueDequeue(rows[slot], score);
        }
        while (best.TryDequeue(out var id, out _)) result.Add(id);
        result.Reverse();
        return result;
    }

    /// <summary>Writes the vector as bytes scaled so its largest component is 127; returns the scale.</summary>
    private static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> into)
    {
        var max = 0f;
        foreach (var v in vector) max = Math.Max(max, Math.Abs(v));
        var scale = max > 0 ? 127f / max : 1f;
        for (var i = 0; i < vector.Length; i++) into[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * scale), -127, 127);
        return scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Dot(ReadOnlySpan<short> query, ReadOnlySpan<sbyte> row)
    {
        var i = 0;
        var sum = 0;
        if (Avx2.IsSupported && row.Length >= 16)
        {
            ref var q = ref MemoryMarshal.GetReference(query);
            ref var r = ref MemoryMarshal.GetReference(row);
            var acc = Vector256<int>.Zero;
            for (; i + 16 <= row.Length; i += 16)
            {
                var codes16 = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref r, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(codes16, Vector256.LoadUnsafe(ref q, (nuint)i)));
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < row.Length; i++) sum += query[i] * row[i];
        return sum;
    }
}
