using AgentFunctions.Credentials;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Fetches a tool's credential at the moment of use through the credentials service's usage check, naming the host the
/// secret is about to be sent to: the service refuses (and audits) a host the credential does not list.
/// </summary>
public sealed class CredentialResolver(ICredentialAccess credentials)
{
    /// <summary>Returns the header to send; the raw secret is remembered on the scope so an echo can be scrubbed.</summary>
    public async Task<(string Name, string Value)> HeaderAsync(ToolCallScope scope, string credentialId, CredentialPlacement? placement, Uri destination, CancellationToken cancellationToken)
    {
        var invocation = scope.Invocation;
        var secret = await credentials.UseAsync(
            new CredentialUseRequest(invocation.Tenant, credentialId, invocation.AgentId, invocation.AgentOwnerId, "tool:" + scope.Target.Name, invocation.RunId, destination.IdnHost),
            cancellationToken).ConfigureAwait(false);
        // Every string the secret holds, before anything can echo it: scrubbed from all that is recorded about the call.
        scope.RememberSecretValues(secret.Value);
        var (name, value, raw) = CredentialHeader.Build(secret, placement);
        scope.RememberSecret(raw);
        scope.RememberSecret(value);
        return (name, value);
    }
}
