using AgentFunctions.Knowledge;
using AgentFunctions.Local.Knowledge;

namespace AgentFunctions.Tests.Knowledge;

public sealed class FolderKnowledgeContentContractTests : KnowledgeContentContract, IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-kb-content-" + Guid.NewGuid().ToString("N"));
    private readonly FolderKnowledgeContent content;

    public FolderKnowledgeContentContractTests() => content = new FolderKnowledgeContent(directory);

    protected override IKnowledgeContent Content => content;

    protected override Task<bool> ExistsAtAsync(string path) => Task.FromResult(File.Exists(Path.Combine(directory, path)));

    [Fact]
    public async Task Put_LeavesNoStagingFileBehind()
    {
        await content.PutAsync(new AgentFunctions.Common.TenantId("ten_stage"), "kb_stage", "x.txt", new byte[] { 1, 2, 3 });

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory, FolderKnowledgeContent.IncomingFolder)));
    }

    public void Dispose()
    {
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
