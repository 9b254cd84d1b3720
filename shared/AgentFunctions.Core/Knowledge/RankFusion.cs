namespace AgentFunctions.Knowledge;

/// <summary>
/// Reciprocal rank fusion (Cormack et al., 2009): each list adds 1 / (k + rank) to an item's score. Scores are divided by
/// the best possible sum (first in every list) so that they fall in [0, 1] and an agent's <c>min_score</c> means the same
/// in every mode.
/// </summary>
public static class RankFusion
{
    public const int K = 60;

    public static IReadOnlyList<KnowledgeHit> Fuse(IReadOnlyList<IReadOnlyList<KnowledgeHit>> rankings, int topK)
    {
        var scores = new Dictionary<string, (KnowledgeHit Hit, double Score)>(StringComparer.Ordinal);
        foreach (var ranking in rankings)
        {
            for (var rank = 0; rank < ranking.Count; rank++)
            {
                var hit = ranking[rank];
                var add = 1.0 / (K + rank + 1);
                scores[hit.ChunkId] = scores.TryGetValue(hit.ChunkId, out var seen) ? (seen.Hit, seen.Score + add) : (hit, add);
            }
        }
        var best = rankings.Count / (double)(K + 1);
        return scores.Values
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.Hit.ChunkId, StringComparer.Ordinal)
            .Take(topK)
            .Select(s => s.Hit with { Score = Math.Round(s.Score / best, 6) })
            .ToList();
    }
}
