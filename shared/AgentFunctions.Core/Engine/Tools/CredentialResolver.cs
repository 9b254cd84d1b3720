using AgentFunctions.Credentials;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>Fetches a tool's credential at the moment of use through the credentials service's usage check.</summary>
public sealed class CredentialResolver(ICredentialAccess credentials)
{
    /// <summary>Returns the header to send; the raw secret is remembered on the scope so an echo can be scrubbed.</summary>
    public async Task<(string Name, string Value)> HeaderAsync(ToolCallScope scope, string credentialId, CredentialPlacement? placement, CancellationToken cancellationToken)
    {
        var invocation = scope.Invocation;
        var secret = await credentials.UseAsync(
            new CredentialUseRequest(invocation.Tenant, credentialId, invocation.AgentId, invocation.AgentOwnerId, "tool:" + scope.Target.Name, invocation.RunId),
            cancellationToken).ConfigureAwait(false);
        var (name, value, raw) = CredentialHeader.Build(secret, placement);
        scope.RememberSecret(raw);
        return (name, value);
    }
}
