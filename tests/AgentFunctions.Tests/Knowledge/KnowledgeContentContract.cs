using System.Text;
using AgentFunctions.Common;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>
/// The one contract every <see cref="IKnowledgeContent"/> adapter passes: run by <see cref="FolderKnowledgeContentContractTests"/>
/// (a temp folder) and <see cref="BlobKnowledgeContentContractTests"/> (the Blob Storage adapter against Azurite).
/// </summary>
public abstract class KnowledgeContentContract
{
    protected abstract IKnowledgeContent Content { get; }

    /// <summary>Where the adapter put a file, as the path relative to the container (folder): <c>{tenant}/{kb}/{name}</c> when it exists.</summary>
    protected abstract Task<bool> ExistsAtAsync(string path);

    private static readonly TenantId TenantA = new("ten_content_a");
    private static readonly TenantId TenantB = new("ten_content_b");

    private static string NewKb() => Ids.New("kb");

    [Fact]
    public async Task DeleteTenant_RemovesEveryFileOfTheTenant_InEveryKnowledgeBase_OtherTenantKept()
    {
        var doomed = new TenantId("ten_content_" + Guid.NewGuid().ToString("N")[..8]);
        var kept = new TenantId("ten_content_" + Guid.NewGuid().ToString("N")[..8]);
        var (kb1, kb2) = (Ids.New("kb"), Ids.New("kb"));
        await Content.PutAsync(doomed, kb1, "a.txt", "a"u8.ToArray());
        await Content.PutAsync(doomed, kb2, "b.txt", "b"u8.ToArray());
        await Content.PutAsync(kept, kb1, "a.txt", "kept"u8.ToArray());

        Assert.Equal(2, await Content.DeleteTenantAsync(doomed));
        Assert.Equal(0, await Content.DeleteTenantAsync(doomed));

        Assert.Null(await Content.GetAsync(doomed, kb1, "a.txt"));
        Assert.Null(await Content.GetAsync(doomed, kb2, "b.txt"));
        Assert.False(await ExistsAtAsync($"{doomed.Value}/{kb2}/b.txt"));
        Assert.Equal("kept"u8.ToArray(), await Content.GetAsync(kept, kb1, "a.txt"));
    }

    [Fact]
    public async Task Put_ThenGet_ReturnsTheBytes_AtTheBlobLayoutPath()
    {
        var kb = NewKb();
        var bytes = Encoding.UTF8.GetBytes("Opening hours: eight to five.");

        await Content.PutAsync(TenantA, kb, "hours.txt", bytes);

        Assert.Equal(bytes, await Content.GetAsync(TenantA, kb, "hours.txt"));
        Assert.Equal(bytes.Length, await Content.GetSizeAsync(TenantA, kb, "hours.txt"));
        Assert.True(await ExistsAtAsync($"{TenantA.Value}/{kb}/hours.txt"));
        Assert.Equal(KnowledgeFilePath.Of(TenantA, kb, "hours.txt"), $"{TenantA.Value}/{kb}/hours.txt");
    }

    [Fact]
    public async Task Put_SameNameAgain_Overwrites()
    {
        var kb = NewKb();
        await Content.PutAsync(TenantA, kb, "policy.md", Encoding.UTF8.GetBytes("# Old"));
        await Content.PutAsync(TenantA, kb, "policy.md", Encoding.UTF8.GetBytes("# New and longer"));

        Assert.Equal("# New and longer", Encoding.UTF8.GetString((await Content.GetAsync(TenantA, kb, "policy.md"))!));
        Assert.Equal(["policy.md"], await Content.ListAsync(TenantA, kb));
    }

    [Fact]
    public async Task Get_Absent_ReturnsNull_AndDeleteSaysFalse()
    {
        var kb = NewKb();
        Assert.Null(await Content.GetAsync(TenantA, kb, "nothing.txt"));
        Assert.Null(await Content.GetSizeAsync(TenantA, kb, "nothing.txt"));
        Assert.False(await Content.DeleteAsync(TenantA, kb, "nothing.txt"));
        Assert.Empty(await Content.ListAsync(TenantA, kb));
    }

    [Fact]
    public async Task Names_WithSpacesAndUnicode_RoundTrip_AndListInOrdinalOrder()
    {
        var kb = NewKb();
        string[] names = ["Zeta report.pdf", "a b c.txt", "Überblick 2026.docx", "notes#1.md"];
        foreach (var name in names) await Content.PutAsync(TenantA, kb, name, Encoding.UTF8.GetBytes(name));

        Assert.Equal(names.Order(StringComparer.Ordinal), await Content.ListAsync(TenantA, kb));
        foreach (var name in names) Assert.Equal(name, Encoding.UTF8.GetString((await Content.GetAsync(TenantA, kb, name))!));
    }

    [Fact]
    public async Task Tenants_AndKnowledgeBases_NeverSeeEachOthersFiles()
    {
        var kb = NewKb();
        var other = NewKb();
        await Content.PutAsync(TenantA, kb, "same.txt", Encoding.UTF8.GetBytes("tenant a"));
        await Content.PutAsync(TenantB, kb, "same.txt", Encoding.UTF8.GetBytes("tenant b"));

        Assert.Equal("tenant a", Encoding.UTF8.GetString((await Content.GetAsync(TenantA, kb, "same.txt"))!));
        Assert.Equal("tenant b", Encoding.UTF8.GetString((await Content.GetAsync(TenantB, kb, "same.txt"))!));
        Assert.Null(await Content.GetAsync(TenantA, other, "same.txt"));

        await Content.DeleteKnowledgeBaseAsync(TenantA, kb);
        Assert.Null(await Content.GetAsync(TenantA, kb, "same.txt"));
        Assert.Equal("tenant b", Encoding.UTF8.GetString((await Content.GetAsync(TenantB, kb, "same.txt"))!));
    }

    [Fact]
    public async Task Delete_RemovesOneFile_DeleteKnowledgeBase_RemovesEveryFile()
    {
        var kb = NewKb();
        foreach (var name in new[] { "a.txt", "b.txt", "c.txt" }) await Content.PutAsync(TenantA, kb, name, Encoding.UTF8.GetBytes(name));

        Assert.True(await Content.DeleteAsync(TenantA, kb, "b.txt"));
        Assert.Equal(["a.txt", "c.txt"], await Content.ListAsync(TenantA, kb));
        Assert.False(await ExistsAtAsync($"{TenantA.Value}/{kb}/b.txt"));

        await Content.DeleteKnowledgeBaseAsync(TenantA, kb);
        Assert.Empty(await Content.ListAsync(TenantA, kb));
        Assert.False(await ExistsAtAsync($"{TenantA.Value}/{kb}/a.txt"));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("sub/dir.txt")]
    [InlineData("back\\slash.txt")]
    [InlineData("..")]
    [InlineData("trailing.")]
    public async Task Paths_ThatCouldLeaveTheKnowledgeBase_AreRefused(string name)
    {
        var kb = NewKb();
        await Assert.ThrowsAsync<ArgumentException>(() => Content.PutAsync(TenantA, kb, name, new byte[] { 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Content.GetAsync(TenantA, kb, name));
        await Assert.ThrowsAsync<ArgumentException>(() => Content.PutAsync(TenantA, "../kb", "ok.txt", new byte[] { 1 }));
    }
}
