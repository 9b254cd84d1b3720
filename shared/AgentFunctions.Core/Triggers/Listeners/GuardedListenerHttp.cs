using System.Text.Json;
using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Triggers.Listeners;

/// <summary>Listener HTTP through the same guarded client as HTTP tools: the network guard decides where it may go.</summary>
public sealed class GuardedListenerHttp(IGuardedHttpClients clients) : IListenerHttp
{
    public async Task<JsonDocument> GetJsonAsync(HttpRequestMessage request, int maxBytes, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await clients.Get().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (GuardedSender.FindBlocked(ex) is { } blocked)
        {
            throw new ListenerPollException($"The network guard refused {request.RequestUri?.Host}: {blocked.Message}");
        }
        catch (HttpRequestException ex)
        {
            throw new ListenerPollException($"{request.RequestUri?.Host} could not be reached ({ex.HttpRequestError}).");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new ListenerPollException($"{request.RequestUri?.Host} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            if (response.Content.Headers.ContentLength > maxBytes) throw new ListenerPollException($"The answer is over {maxBytes} bytes.");
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes) throw new ListenerPollException($"The answer is over {maxBytes} bytes.");
                buffer.Write(chunk, 0, read);
            }
            try
            {
                return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            }
            catch (JsonException)
            {
                throw new ListenerPollException($"{request.RequestUri?.Host} did not answer with JSON.");
            }
        }
    }
}
