using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Engine.Runs;
using AgentFunctions.Knowledge;
using AgentFunctions.Storage;
using AgentFunctions.Triggers;

namespace AgentFunctions.Lifecycle;

/// <summary>The tenant's API keys, removed first so that nothing new starts while the rest is deleted (exported with the documents).</summary>
public sealed class ApiKeysTenantData(IDocumentStore store) : ITenantDataStore
{
    public string Name => "api_keys";

    public TenantDataStage Stage => TenantDataStage.Access;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) =>
        DocumentsTenantData.DeleteAllAsync(store.For(tenant), d => d.Kind == Access.ApiKey.Kind, cancellationToken);
}

/// <summary>The platform partition's entries that point at the tenant's triggers (webhook addresses, schedules, pollers).</summary>
public sealed class TriggerDirectoryTenantData(IDocumentStore store) : ITenantDataStore
{
    public string Name => "trigger_directory";

    public TenantDataStage Stage => TenantDataStage.Intake;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public async Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var platform = store.For(TenantId.Platform);
        long removed = 0;
        string? continuation = null;
        do
        {
            var page = await platform.QueryPageAsync(TriggerDirectoryEntry.Kind, [new FieldEquals("owner", tenant.Value)],
                new DocumentPageRequest(DocumentsTenantData.PageSize, continuation), cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0)
            {
                try
                {
                    await platform.CommitAsync(page.Items.Select(d => DocumentWrite.Delete(d.Kind, d.Id)).ToList(), cancellationToken).ConfigureAwait(false);
                    removed += page.Items.Count;
                }
                catch (DocumentMissingException)
                {
                    continue;
                }
            }
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return removed;
    }
}

/// <summary>
/// The orchestration instances of the tenant's runs (instance id = run id) and their history: purged through the
/// orchestration client (Durable's purge in Azure, the local runner's journal here). Runs the run records, so it goes
/// before them; the records themselves are exported and deleted with the documents.
/// </summary>
public sealed class OrchestrationsTenantData(IDocumentStore store, IOrchestrationClient orchestrations) : ITenantDataStore
{
    public string Name => "orchestrations";

    public TenantDataStage Stage => TenantDataStage.Execution;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public async Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var documents = store.For(tenant);
        long purged = 0;
        string? continuation = null;
        do
        {
            var page = await documents.QueryPageAsync(Run.Kind, [], new DocumentPageRequest(DocumentsTenantData.PageSize, continuation), cancellationToken).ConfigureAwait(false);
            if (page.Items.Count > 0) purged += await orchestrations.PurgeAsync(page.Items.Select(r => r.Id).ToList(), cancellationToken).ConfigureAwait(false);
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return purged;
    }
}

/// <summary>The tenant's chunks and vectors in the knowledge index (derived from its documents, so not exported).</summary>
public sealed class KnowledgeIndexTenantData(IKnowledgeIndex index) : ITenantDataStore
{
    public string Name => "knowledge_index";

    public TenantDataStage Stage => TenantDataStage.Content;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) => index.DeleteTenantAsync(tenant, cancellationToken);
}

/// <summary>The tenant's uploaded knowledge files (their metadata is exported with the documents).</summary>
public sealed class KnowledgeFilesTenantData(IKnowledgeContent content) : ITenantDataStore
{
    public string Name => "knowledge_files";

    public TenantDataStage Stage => TenantDataStage.Content;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) => content.DeleteTenantAsync(tenant, cancellationToken);
}

/// <summary>The tenant's secrets in the vault: never exported (the credential metadata is, with the documents), deleted with every version.</summary>
public sealed class SecretsTenantData(ISecretVault vault) : ITenantDataStore
{
    public string Name => "secrets";

    public TenantDataStage Stage => TenantDataStage.Content;

    public IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, CancellationToken cancellationToken) => AsyncEnumerable.Empty<TenantRecord>();

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) => vault.DeleteTenantAsync(tenant, cancellationToken);
}
