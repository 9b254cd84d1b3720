using AgentFunctions.Azure.Knowledge;
using AgentFunctions.Knowledge;
using AgentFunctions.Tests.Support;
using Azure.Storage.Blobs;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>The Blob Storage adapter against Azurite: the same contract as the folder, in a fresh container per test class instance.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BlobKnowledgeContentContractTests : KnowledgeContentContract
{
    private readonly BlobContainerClient container;
    private readonly BlobKnowledgeContent content;

    public BlobKnowledgeContentContractTests(AzuriteFixture azurite)
    {
        container = azurite.Service.GetBlobContainerClient("documents-" + Guid.NewGuid().ToString("N")[..12]);
        container.CreateIfNotExists();
        content = new BlobKnowledgeContent(container);
    }

    protected override IKnowledgeContent Content => content;

    protected override async Task<bool> ExistsAtAsync(string path) => (await container.GetBlobClient(path).ExistsAsync()).Value;
}
