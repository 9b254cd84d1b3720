using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The vectors of one tenant's knowledge base in memory, for the first pass of a vector search: each vector as signed
/// bytes scaled by its own largest component (a quarter of the float size, so 100,000 384-dim vectors are 38 MB and one
/// pass reads them in a few milliseconds), scored with AVX2 multiply-add. The pass only picks candidates; the index
/// re-scores them with their exact float vectors, so the order and scores it answers are exact unless the true top-k
/// fell outside the candidates (four times k by default, which quantization error of this size does not reach in
/// practice). Immutable: a write to the knowledge base drops it and the next query builds it again.
/// </summary>
internal sealed class QuantizedVectors
{
    private readonly long[] ids;
    private readonly sbyte[] codes;
    private readonly float[] scales;

    private QuantizedVectors(int dimensions, long[] ids, sbyte[] codes, float[] scales)
    {
        Dimensions = dimensions;
        this.ids = ids;
        this.codes = codes;
        this.scales = scales;
    }

    public int Dimensions { get; }

    public int Count => ids.Length;

    /// <summary>Builds the set from (row id, float vector) pairs; vectors of another length than the first are left out.</summary>
    public static QuantizedVectors Build(IEnumerable<(long Id, byte[] Vector)> rows)
    {
        var ids = new List<long>();
        var codes = new List<sbyte>();
        var scales = new List<float>();
        var dimensions = 0;
        var buffer = Array.Empty<sbyte>();
        foreach (var (id, blob) in rows)
        {
            var vector = MemoryMarshal.Cast<byte, float>(blob.AsSpan());
            if (dimensions == 0)
            {
                dimensions = vector.Length;
                buffer = new sbyte[dimensions];
            }
            if (vector.Length != dimensions || dimensions == 0) continue;
            scales.Add(Quantize(vector, buffer));
            codes.AddRange(buffer);
            ids.Add(id);
        }
        return new QuantizedVectors(dimensions, [.. ids], [.. codes], [.. scales]);
    }

    /// <summary>The row ids of the <paramref name="count"/> vectors with the highest approximate dot product with <paramref name="query"/>.</summary>
    public List<long> Candidates(ReadOnlySpan<float> query, int count)
    {
        var result = new List<long>(count);
        if (Count == 0 || query.Length != Dimensions) return result;
        var quantized = new sbyte[Dimensions];
        var queryScale = Quantize(query, quantized);
        var widened = new short[Dimensions];
        for (var i = 0; i < Dimensions; i++) widened[i] = quantized[i];
        var best = new PriorityQueue<long, float>(count + 1);
        var span = codes.AsSpan();
        for (var row = 0; row < ids.Length; row++)
        {
            var score = Dot(widened, span.Slice(row * Dimensions, Dimensions)) / (queryScale * scales[row]);
            if (best.Count < count) best.Enqueue(ids[row], score);
            else if (best.TryPeek(out _, out var worst) && score > worst) best.EnqueueDequeue(ids[row], score);
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
