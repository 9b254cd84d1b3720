using System.Net;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Sends a tool's HTTP request through the guarded client, retrying transient failures (connection errors, 408, 429,
/// 5xx) with exponential backoff only when the method is idempotent: a POST that timed out may already have acted.
/// </summary>
public sealed class GuardedSender(IGuardedHttpClients clients, ToolExecutionOptions options, TimeProvider time, ILogger<GuardedSender> logger)
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    public static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Put
        || method == HttpMethod.Delete || method == HttpMethod.Trace;

    /// <summary>Returns the final response (caller disposes) and how many attempts were made.</summary>
    public async Task<(HttpResponseMessage Response, int Attempts)> SendAsync(
        Func<HttpRequestMessage> createRequest, int retries, string toolName, CancellationToken cancellationToken)
    {
        var client = clients.Get();
        var attempt = 0;
        while (true)
        {
            attempt++;
            using var request = createRequest();
            var mayRetry = IsIdempotent(request.Method) && attempt <= Math.Clamp(retries, 0, ToolExecutionOptions.MaxRetries);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (FindBlocked(ex) is { } blocked)
            {
                // The guard's verdict is not transient: surface it as is, never retry it.
                throw blocked;
            }
            catch (HttpRequestException ex) when (mayRetry)
            {
                logger.LogInformation("Tool {ToolName} attempt {Attempt} failed to connect ({Error}); retrying", toolName, attempt, ex.HttpRequestError);
                await Task.Delay(Backoff(attempt, null), time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (mayRetry && IsTransient(response.StatusCode))
            {
                var delay = Backoff(attempt, RetryAfter(response));
                logger.LogInformation("Tool {ToolName} attempt {Attempt} returned {Status}; retrying in {Delay}", toolName, attempt, (int)response.StatusCode, delay);
                response.Dispose();
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            return (response, attempt);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } hinted) return hinted > MaxRetryAfter ? MaxRetryAfter : hinted;
        var exponential = options.RetryBaseDelay * Math.Pow(2, attempt - 1);
        return exponential * (0.8 + Random.Shared.NextDouble() * 0.4);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero;
        return null;
    }

    internal static BlockedDestinationException? FindBlocked(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is BlockedDestinationException blocked) return blocked;
        }
        return null;
    }
}
