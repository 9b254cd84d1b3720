namespace AgentFunctions.Engine.Tools;

/// <summary>
/// HttpClients whose connections pass the network guard. Two pools, because a connection opened under a tenant's
/// allow-private opt-in must never be reused by a request without it.
/// </summary>
public interface IGuardedHttpClients
{
    HttpClient Get(bool allowPrivateNetwork);
}

/// <summary>Named clients from <see cref="IHttpClientFactory"/> (registered by AddToolExecution).</summary>
public sealed class GuardedHttpClients(IHttpClientFactory factory) : IGuardedHttpClients
{
    public const string PublicOnly = "AgentFunctions.Tools.Public";
    public const string PrivateAllowed = "AgentFunctions.Tools.PrivateAllowed";

    public HttpClient Get(bool allowPrivateNetwork) => factory.CreateClient(allowPrivateNetwork ? PrivateAllowed : PublicOnly);
}
