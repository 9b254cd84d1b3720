using AgentFunctions.Common;
using AgentFunctions.Tools;

namespace AgentFunctions.Api.Engine;

/// <summary>Stand-by catalog when no tools feature is registered: resolves nothing, so the model is offered no tools.</summary>
internal sealed class UnconfiguredToolCatalog : IToolCatalog
{
    public Task<IReadOnlyList<ResolvedTool>> ResolveAsync(TenantId tenant, IReadOnlyList<string> allowlist, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ResolvedTool>>([]);
}
