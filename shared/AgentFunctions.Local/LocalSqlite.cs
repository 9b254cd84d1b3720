using Microsoft.Data.Sqlite;

namespace AgentFunctions.Local;

/// <summary>What the local SQLite files (knowledge index, usage log, append-heavy documents) open and run the same way.</summary>
internal static class LocalSqlite
{
    /// <summary>A pooled connection string for the file at <paramref name="path"/>, its folder created.</summary>
    public static string ConnectionString(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Rewrites the file (VACUUM, the write-ahead log truncated before and after), so pages of deleted rows are gone
    /// from disk too, not only from reads: after a tenant deletion.
    /// </summary>
    public static void Compact(SqliteConnection connection) =>
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
}
