namespace AgentFunctions.Engine.Tools;

/// <summary>
/// The HttpClient whose connections pass the network guard. One pool: which private hosts are reachable is the
/// platform's setting (<see cref="PrivateNetworkAllowlist"/>), the same for every tool, so no connection can carry a
/// wider permission into a request that lacks it.
/// </summary>
public interface IGuardedHttpClients
{
    HttpClient Get();
}

/// <summary>The named client from <see cref="IHttpClientFactory"/> (registered by AddToolExecution).</summary>
public sealed class GuardedHttpClients(IHttpClientFactory factory) : IGuardedHttpClients
{
    public const string Name = "AgentFunctions.Tools";

    public HttpClient Get() => factory.CreateClient(Name);
}
