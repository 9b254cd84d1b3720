using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Lifecycle;

namespace AgentFunctions.Usage;

/// <summary>The usage log's part in a tenant's lifecycle: its events are exported with the tenant and deleted with it.</summary>
public sealed class UsageTenantData(IUsageStore usage) : ITenantDataStore
{
    public string Name => "usage";

    public TenantDataStage Stage => TenantDataStage.Records;

    public async IAsyncEnumerable<TenantRecord> ExportAsync(TenantId tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in usage.ReadTenantAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            yield return new TenantRecord("usage_event", e.Key, JsonSerializer.SerializeToUtf8Bytes(e, PlatformJson.Stored));
        }
    }

    public Task<long> DeleteAsync(TenantId tenant, CancellationToken cancellationToken) => usage.DeleteTenantAsync(tenant, cancellationToken);
}
