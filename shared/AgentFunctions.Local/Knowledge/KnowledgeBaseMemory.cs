using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentFunctions.Local.Knowledge;

/// <summary>One chunk ready for <see cref="KnowledgeBaseMemory.Add"/>: its row id and its vector.</summary>
internal sealed record PreparedChunk(long Row, float[] Vector);

/// <summary>
/// The vectors of one tenant's knowledge base in memory (keyword search is SQLite FTS5's): each vector as signed bytes
/// scaled by its own largest component (a quarter of the float size, 38 MB per 100,000 vectors of 384 dimensions),
/// scanned with AVX2 multiply-add for candidates that the index then re-scores with their stored vectors, read back with
/// the tenant filter. Built from SQLite on the first search of the knowledge base, then kept up to date by the index's
/// writes (under its write lock, after the commit), so a search sees the committed state. A removed chunk's slot is
/// marked dead and skipped; when dead slots outnumber live ones the structure is compacted. Not thread-safe by itself:
/// the index calls <see cref="Add"/>/<see cref="Remove"/> under its write lock and the searches under its read lock.
/// </summary>
internal sealed class KnowledgeBaseMemory
{
    private readonly Dictionary<long, int> slotOfRow = [];
    private long[] rows = new long[256];
    private bool[] dead = new bool[256];
    private float[] scales = new float[256];
    private sbyte[] codes = [];
    private int slots;
    private int live;

    public int Dimensions { get; private set; }

    public int Count => live;

    public void Add(PreparedChunk chunk)
    {
        if (slots == rows.Length)
        {
            var size = slots * 2;
            Array.Resize(ref rows, size);
            Array.Resize(ref dead, size);
            Array.Resize(ref scales, size);
        }
        var slot = slots++;
        rows[slot] = chunk.Row;
        dead[slot] = false;
        slotOfRow[chunk.Row] = slot;
        live++;
        if (Dimensions == 0 && chunk.Vector.Length > 0) Dimensions = chunk.Vector.Length;
        if (codes.Length < rows.Length * Dimensions) Array.Resize(ref codes, rows.Length * Dimensions);
        // A vector of another length than the knowledge base's first is left out of vector search (scale 0).
        scales[slot] = chunk.Vector.Length == Dimensions && Dimensions > 0 ? Quantize(chunk.Vector, codes.AsSpan(slot * Dimensions, Dimensions)) : 0;
    }

    /// <summary>Gives back the spare room of the growing arrays (after a load: they grow by doubling).</summary>
    public void Trim()
    {
        var size = Math.Max(slots, 1);
        Array.Resize(ref rows, size);
        Array.Resize(ref dead, size);
        Array.Resize(ref scales, size);
        Array.Resize(ref codes, size * Dimensions);
    }

    public void Remove(long row)
    {
        if (!slotOfRow.Remove(row, out var slot)) return;
        dead[slot] = true;
        live--;
        if (slots > 1024 && slots - live > live) Compact();
    }

    /// <summary>Drops the dead slots: vectors and row ids move down to the live slots' new numbers.</summary>
    private void Compact()
    {
        var kept = 0;
        for (var slot = 0; slot < slots; slot++)
        {
            if (dead[slot]) continue;
            rows[kept] = rows[slot];
            scales[kept] = scales[slot];
            dead[kept] = false;
            if (Dimensions > 0) codes.AsSpan(slot * Dimensions, Dimensions).CopyTo(codes.AsSpan(kept * Dimensions, Dimensions));
            slotOfRow[rows[kept]] = kept;
            kept++;
        }
        slots = kept;
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
