using AgentFunctions.Azure.Documents;
using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// The document store contract against the Cosmos adapter, over a recording container double at the SDK boundary
/// (see <see cref="CosmosContainerDouble"/>); what the adapter sends is pinned in <see cref="CosmosDocumentStoreTests"/>.
/// </summary>
public sealed class CosmosDocumentStoreContractTests : DocumentStoreContract
{
    private readonly CosmosContainerDouble container = new();

    protected override IDocumentStore Store => new CosmosDocumentStore(container.Container);
}
