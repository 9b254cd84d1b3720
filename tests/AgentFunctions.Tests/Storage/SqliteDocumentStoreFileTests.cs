using AgentFunctions.Common;
using AgentFunctions.Local;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using Microsoft.Data.Sqlite;

namespace AgentFunctions.Tests.Storage;

/// <summary>The SQLite store's file: 16 KB pages for a new database, an existing one kept as it was made.</summary>
public sealed class SqliteDocumentStoreFileTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-sqlite-file-" + Guid.NewGuid().ToString("N"));

    public SqliteDocumentStoreFileTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task NewDatabase_Has16KbPages()
    {
        var path = Path.Combine(directory, "new.db");
        using (var store = new SqliteDocumentStore(path))
        {
            await store.For(new TenantId("t1")).CreateAsync(new Note("n1", new TenantId("t1"), "hello"));
        }
        Assert.Equal(16384L, Pragma(path, "page_size"));
    }

    [Fact]
    public async Task DatabaseMadeWith4KbPages_KeepsThem_AndItsDocumentsReadAndWriteAsBefore()
    {
        var path = Path.Combine(directory, "old.db");
        // A database as the store made it before: 4 KB pages, a rowid table with the key index.
        using (var old = new SqliteConnection(LocalSqlite.ConnectionString(path)))
        {
            old.Open();
            LocalSqlite.Execute(old, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;");
            LocalSqlite.Execute(old, "CREATE TABLE documents (tenant TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, body BLOB NOT NULL);");
            LocalSqlite.Execute(old, "CREATE UNIQUE INDEX documents_key ON documents (tenant, kind, id);");
            LocalSqlite.Execute(old, """INSERT INTO documents VALUES ('t1', 'note', 'n0', 'a', CAST('{"id":"n0","tenant_id":"t1","text":"before"}' AS BLOB));""");
        }
        SqliteConnection.ClearAllPools();
        using (var store = new SqliteDocumentStore(path))
        {
            var documents = store.For(new TenantId("t1"));
            Assert.Equal("before", (await documents.GetAsync<Note>("n0"))!.Value.Text);
            await documents.CreateAsync(new Note("n1", new TenantId("t1"), "after"));
            Assert.Equal("after", (await documents.GetAsync<Note>("n1"))!.Value.Text);
        }
        Assert.Equal(4096L, Pragma(path, "page_size"));
    }

    private static long Pragma(string path, string name)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection(LocalSqlite.ConnectionString(path));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Note(string Id, TenantId TenantId, string Text) : IDocument
    {
        public static string Kind => "note";
    }
}
