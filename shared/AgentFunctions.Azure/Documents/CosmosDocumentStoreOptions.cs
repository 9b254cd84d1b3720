using Azure.Core;

namespace AgentFunctions.Azure.Documents;

/// <summary>Where the Cosmos DB document container lives. The container's partition key path must be <c>/tenantId</c>.</summary>
public sealed record CosmosDocumentStoreOptions
{
    /// <summary>Account endpoint, e.g. <c>https://my-account.documents.azure.com:443/</c>.</summary>
    public required Uri Endpoint { get; init; }

    public required string DatabaseName { get; init; }

    public required string ContainerName { get; init; }

    /// <summary>Identity used to reach the account; <see cref="global::Azure.Identity.DefaultAzureCredential"/> when null (managed identity in Azure).</summary>
    public TokenCredential? Credential { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Endpoint);
        if (!Endpoint.IsAbsoluteUri) throw new ArgumentException("The Cosmos DB endpoint must be an absolute URI.", nameof(Endpoint));
        ArgumentException.ThrowIfNullOrWhiteSpace(DatabaseName);
        ArgumentException.ThrowIfNullOrWhiteSpace(ContainerName);
    }
}
