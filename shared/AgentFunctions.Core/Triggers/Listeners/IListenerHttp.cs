using System.Text.Json;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>How listeners reach outside systems: through the platform's network guard, with a size cap on answers.</summary>
public interface IListenerHttp
{
    /// <summary>Sends the request and parses a 2xx JSON answer; anything else throws <see cref="ListenerPollException"/>.</summary>
    Task<JsonDocument> GetJsonAsync(HttpRequestMessage request, int maxBytes, CancellationToken cancellationToken);
}
