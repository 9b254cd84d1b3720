using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Benchmarks.Knowledge;

/// <summary>
/// Diagnostic: the FTS5 MATCH alone, per query shape, on the query figure's corpus (kept at a path so runs can reuse it):
/// a keyword table of the queried tenant's chunks, written 1,000 rows per transaction, and, on an index written before
/// the per-knowledge-base tables (user_version 2, shared <c>chunks_fts</c> with scope tokens), the shared table's shapes.
/// <c>knowledge-figures query-shapes [db path]</c>.
/// </summary>
internal static partial class KnowledgeQueryShapes
{
    public static void Run(string path, IReadOnlyList<string> queries)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var connection = new SqliteConnection(cs);
        connection.Open();
        Exec(connection, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.qw USING fts5 (word, tokenize = 'porter unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE IF NOT EXISTS temp.qw_vocab USING fts5vocab (temp, qw, 'instance');");
        var scope = "s" + Convert.ToHexString("ten_target/kb_target"u8) + "0";
        var total = Scalar(connection, "SELECT count(*) FROM chunks");
        var target = Scalar(connection, "SELECT count(*) FROM chunks WHERE tenant_id = 'ten_target'");
        var shared = Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'chunks_fts'") > 0;
        Console.WriteLine($"SHAPES {total} rows, {target} in the target tenant" + (shared ? $"; shared table segments: {Segments(connection, "chunks_fts")}" : ""));

        // The per-tenant table, filled as the documents were written (1,000 rows per transaction).
        if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'tfts'") == 0)
        {
            Exec(connection, "CREATE VIRTUAL TABLE tfts USING fts5 (content, headings, content = '', contentless_delete = 1, tokenize = 'porter unicode61 remove_diacritics 2')");
            var ids = new List<long>();
            using (var c = connection.CreateCommand())
            {
                c.CommandText = "SELECT id FROM chunks WHERE tenant_id = 'ten_target' ORDER BY id";
                using var r = c.ExecuteReader();
                while (r.Read()) ids.Add(r.GetInt64(0));
            }
            var clock = Stopwatch.StartNew();
            foreach (var batch in ids.Chunk(1000))
            {
                using var tx = connection.BeginTransaction();
                using var c = connection.CreateCommand();
                c.Transaction = tx;
                c.CommandText = $"INSERT INTO tfts (rowid, content, headings) SELECT id, content, '' FROM chunks WHERE id BETWEEN {batch[0]} AND {batch[^1]} AND tenant_id = 'ten_target'";
                c.ExecuteNonQuery();
                tx.Commit();
            }
            Console.WriteLine($"SHAPES per-tenant table filled in {clock.ElapsedMilliseconds} ms");
        }
        Console.WriteLine($"SHAPES tfts segments: {Segments(connection, "tfts")}");
        Exec(connection, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.t_vocab USING fts5vocab (main, tfts, 'row');");
        var tcommon = Math.Max(1000, (long)(0.005 * target));
        var tshaped = queries.Select(q => Shape(connection, q, "t_vocab", tcommon)).ToList();
        Console.WriteLine($"SHAPES {tshaped.Count(s => s.AllCommon)} of {queries.Count} queries all-common (tenant table)");

        string Or(IEnumerable<string> words) => string.Join(" OR ", words.Select(w => "\"" + w + "\""));
        string And(IEnumerable<string> words) => string.Join(" AND ", words.Select(w => "\"" + w + "\""));
        const string Ranked = " AND rank MATCH 'bm25(1.0, 1.0, 0.0)' ORDER BY rank LIMIT 20";
        if (shared) SharedShapes(connection, queries, total, scope, Or, Ranked);

        Time(connection, "E tenant table, kept OR, bm25 limit 20", tshaped, s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "E rare-word queries only", tshaped.Where(s => !s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "E all-common queries only", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "F tenant table, kept OR, count only", tshaped, s => ("SELECT count(*) FROM tfts WHERE tfts MATCH $m", Or(s.Kept)));
        Time(connection, "G tenant table all-common: AND of all words, bm25", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", And(s.Words)));
        Console.WriteLine("SHAPES all-common AND result sizes: " + string.Join(" ", tshaped.Where(s => s.AllCommon && s.Words.Count > 0).Take(40).Select(s => Count(connection, "tfts", And(s.Words)))));
        Time(connection, "H tenant table all-common: OR of all words, bm25", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Words)));

        Console.WriteLine("SHAPES all-common rarest-word df: " + string.Join(" ", tshaped.Where(s => s.AllCommon && s.Kept.Count > 0).Take(60).Select(s => Count(connection, "tfts", "\"" + s.Kept[0] + "\""))));
        Time(connection, "I tenant table all-common: rarest word, count only", tshaped.Where(s => s.AllCommon).ToList(), s => ("SELECT count(*) FROM tfts WHERE tfts MATCH $m", Or(s.Kept)));
        Time(connection, "J tenant table all-common: rarest word, rowid order limit 20 (no rank)", tshaped.Where(s => s.AllCommon).ToList(), s => ("SELECT rowid FROM tfts WHERE tfts MATCH $m LIMIT 20", Or(s.Kept)));
        var merge = Stopwatch.StartNew();
        Exec(connection, "INSERT INTO tfts (tfts, rank) VALUES ('merge', 500)");
        Console.WriteLine($"SHAPES tfts merge 500: {merge.ElapsedMilliseconds} ms; segments: {Segments(connection, "tfts")}");
        Time(connection, "E' tenant table after merge 500, kept OR, bm25", tshaped, s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        merge.Restart();
        Exec(connection, "INSERT INTO tfts (tfts) VALUES ('optimize')");
        Console.WriteLine($"SHAPES tfts optimize: {merge.ElapsedMilliseconds} ms; segments: {Segments(connection, "tfts")}");
        Time(connection, "E'' tenant table optimized, kept OR, bm25", tshaped, s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "E'' rare-word queries only", tshaped.Where(s => !s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "E'' all-common only", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
        Time(connection, "G'' all-common: AND of all words", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM tfts WHERE tfts MATCH $m ORDER BY rank LIMIT 20", And(s.Words)));
        foreach (var detail in new[] { "column", "none" })
        {
            Exec(connection, $"DROP TABLE IF EXISTS t{detail}; CREATE VIRTUAL TABLE t{detail} USING fts5 (content, headings, content = '', contentless_delete = 1, detail = {detail}, tokenize = 'porter unicode61 remove_diacritics 2')");
            for (var b = 0; b < 101; b++)
            {
                using var tx = connection.BeginTransaction();
                using var c = connection.CreateCommand();
                c.Transaction = tx;
                c.CommandText = $"INSERT INTO t{detail} (rowid, content, headings) SELECT id, content, '' FROM chunks WHERE tenant_id = 'ten_target' ORDER BY id LIMIT 1000 OFFSET {b * 1000}";
                c.ExecuteNonQuery();
                tx.Commit();
            }
            Time(connection, $"K detail={detail}, kept OR, bm25", tshaped, s => ($"SELECT rowid, rank FROM t{detail} WHERE t{detail} MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
            Time(connection, $"K detail={detail} all-common only", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM t{detail} WHERE t{detail} MATCH $m ORDER BY rank LIMIT 20", Or(s.Kept)));
            Time(connection, $"K detail={detail} all-common AND of all words", tshaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM t{detail} WHERE t{detail} MATCH $m ORDER BY rank LIMIT 20", And(s.Words)));
        }
    }

    /// <summary>The shared table of user_version 2: scope token required, the whole index's statistics.</summary>
    private static void SharedShapes(SqliteConnection connection, IReadOnlyList<string> queries, long total, string scope, Func<IEnumerable<string>, string> Or, string Ranked)
    {
        Exec(connection, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.all_vocab USING fts5vocab (main, chunks_fts, 'row');");
        var common = Math.Max(1000, (long)(0.005 * total));
        var shaped = queries.Select(q => Shape(connection, q, "all_vocab", common)).ToList();
        Console.WriteLine($"SHAPES {shaped.Count(s => s.AllCommon)} of {queries.Count} queries all-common (whole index)");
        Time(connection, "A current: scope AND (kept OR), bm25, rank limit 20", shaped, s => ($"SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH $m{Ranked}", $"scope : \"{scope}\" AND {{content headings}} : ({Or(s.Kept)})"));
        Time(connection, "A rare-word queries only", shaped.Where(s => !s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH $m{Ranked}", $"scope : \"{scope}\" AND {{content headings}} : ({Or(s.Kept)})"));
        Time(connection, "A all-common queries only", shaped.Where(s => s.AllCommon).ToList(), s => ($"SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH $m{Ranked}", $"scope : \"{scope}\" AND {{content headings}} : ({Or(s.Kept)})"));
        Time(connection, "B current MATCH, count only (no bm25)", shaped, s => ("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH $m", $"scope : \"{scope}\" AND {{content headings}} : ({Or(s.Kept)})"));
        Time(connection, "C no scope token (all tenants), bm25 limit 20", shaped, s => ($"SELECT rowid, rank FROM chunks_fts WHERE chunks_fts MATCH $m ORDER BY rank LIMIT 20", $"{{content headings}} : ({Or(s.Kept)})"));
    }

    private sealed record Shaped(string Query, List<string> Words, List<string> Kept, bool AllCommon);

    private static Shaped Shape(SqliteConnection connection, string query, string vocab, long common)
    {
        var words = Word().Matches(query).Select(m => m.Value.ToLowerInvariant()).Distinct().ToList();
        var content = words.Where(w => !AgentFunctions.Local.Knowledge.SqliteKnowledgeIndex.StopWords.Contains(w)).ToList();
        if (content.Count > 0) words = content;
        var counted = new List<(string Word, long N)>();
        foreach (var word in words)
        {
            Exec(connection, "DELETE FROM temp.qw");
            using var c = connection.CreateCommand();
            c.CommandText = "INSERT INTO temp.qw (rowid, word) VALUES (1, $w); SELECT term FROM temp.qw_vocab";
            c.Parameters.AddWithValue("$w", word);
            var stem = (string)c.ExecuteScalar()!;
            using var v = connection.CreateCommand();
            v.CommandText = $"SELECT doc FROM temp.{vocab} WHERE term = $t";
            v.Parameters.AddWithValue("$t", stem);
            counted.Add((word, v.ExecuteScalar() is long n ? n : 0));
        }
        counted.RemoveAll(c => c.N == 0);
        var rare = counted.Where(c => c.N <= common).Select(c => c.Word).ToList();
        return rare.Count > 0
            ? new Shaped(query, [.. counted.Select(c => c.Word)], rare, false)
            : new Shaped(query, [.. counted.Select(c => c.Word)], [.. counted.OrderBy(c => c.N).Take(1).Select(c => c.Word)], true);
    }

    private static void Time(SqliteConnection connection, string name, List<Shaped> queries, Func<Shaped, (string Sql, string Match)> shape)
    {
        queries = queries.Where(q => q.Kept.Count > 0).ToList();
        if (queries.Count == 0) return;
        foreach (var q in queries.Take(20)) Run(connection, shape(q));
        var latencies = new List<double>();
        var cpu = Environment.CpuUsage.TotalTime;
        for (var rep = 0; rep < 2; rep++)
        {
            foreach (var q in queries)
            {
                var clock = Stopwatch.StartNew();
                Run(connection, shape(q));
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        var sorted = latencies.Order().ToList();
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SHAPE {name} ({queries.Count} queries x2): CPU {(Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / latencies.Count:F2} ms; p50 {At(0.5):F2}, p95 {At(0.95):F2}, p99 {At(0.99):F2}, max {sorted[^1]:F2} ms"));
    }

    private static void Run(SqliteConnection connection, (string Sql, string Match) shape)
    {
        using var c = connection.CreateCommand();
        c.CommandText = shape.Sql;
        c.Parameters.AddWithValue("$m", shape.Match);
        using var r = c.ExecuteReader();
        while (r.Read()) { }
    }

    private static long Count(SqliteConnection connection, string table, string match)
    {
        using var c = connection.CreateCommand();
        c.CommandText = $"SELECT count(*) FROM {table} WHERE {table} MATCH $m";
        c.Parameters.AddWithValue("$m", match);
        return (long)c.ExecuteScalar()!;
    }

    private static string Segments(SqliteConnection connection, string table)
    {
        // The structure record (id 10) holds the segment count per level; fts5_decode is not in the bundle, so count
        // the leaf-page ranges in the %_idx table instead: one row per segment and leaf page range.
        return Scalar(connection, $"SELECT count(DISTINCT segid) FROM {table}_idx").ToString(CultureInfo.InvariantCulture) + " segments";
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var c = connection.CreateCommand();
        c.CommandText = sql;
        return (long)c.ExecuteScalar()!;
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var c = connection.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}
