namespace AgentFunctions.Api.Http;

/// <summary>
/// Endpoint metadata naming the Functions authorization level a route has in Azure (anonymous: the platform
/// checks its own API keys; function: the Functions host key guards it too). The route parity test compares it.
/// </summary>
public sealed record AuthLevel(string Level)
{
    public static readonly AuthLevel Anonymous = new("anonymous");
    public static readonly AuthLevel Function = new("function");
}
