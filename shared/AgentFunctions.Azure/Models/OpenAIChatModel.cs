using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http;
using AgentFunctions.Engine.Models;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using ChatCompletion = AgentFunctions.Engine.Models.ChatCompletion;
using ChatMessage = AgentFunctions.Engine.Models.ChatMessage;
using SdkChatMessage = OpenAI.Chat.ChatMessage;

namespace AgentFunctions.Azure.Models;

/// <summary>
/// <see cref="IChatModel"/> over the OpenAI SDK's <see cref="ChatClient"/>, for Azure OpenAI (v1 endpoint) and any
/// OpenAI-compatible server. The SDK's own retries are off: a Polly pipeline (overall timeout, retries with backoff
/// honouring retry-after-ms / retry-after on 429 and 5xx, a circuit breaker, a per-attempt timeout) is the only one.
/// </summary>
public sealed class OpenAIChatModel : IChatModel
{
    private readonly OpenAIChatModelOptions options;
    private readonly AuthenticationPolicy? authentication;
    private readonly TimeProvider time;
    private readonly ILogger<OpenAIChatModel> logger;
    private readonly ResiliencePipeline pipeline;
    private readonly ConcurrentDictionary<string, ChatClient> clients = new(StringComparer.Ordinal);
    private readonly HttpClient? httpClient;

    /// <param name="tokenProvider">Replaces DefaultAzureCredential when <see cref="OpenAIChatModelOptions.UseManagedIdentity"/> is set.</param>
    /// <param name="httpClient">Optional transport (e.g. from IHttpClientFactory); the SDK's own when null.</param>
    public OpenAIChatModel(OpenAIChatModelOptions options, TimeProvider time, ILogger<OpenAIChatModel> logger, AuthenticationTokenProvider? tokenProvider = null, HttpClient? httpClient = null)
    {
        options.Validate();
        this.options = options;
        this.httpClient = httpClient;
        this.time = time;
        this.logger = logger;
        authentication = CreateAuthentication(options, tokenProvider);
        pipeline = BuildPipeline(options, time, logger);
    }

    public async Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deployment = options.DeploymentFor(request.Model);
        var client = clients.GetOrAdd(deployment, CreateClient);
        var messages = request.Messages.Select(ToSdk).ToList();
        var completionOptions = new ChatCompletionOptions();
        foreach (var tool in request.Tools)
        {
            completionOptions.Tools.Add(ChatTool.CreateFunctionTool(tool.WireName, tool.Description, BinaryData.FromString(tool.Parameters.GetRawText())));
        }
        if (request.MaxOutputTokens is { } maxOutput) completionOptions.MaxOutputTokenCount = maxOutput;

        var started = time.GetTimestamp();
        OpenAI.Chat.ChatCompletion completion;
        try
        {
            completion = await pipeline.ExecuteAsync(
                async ct => (await client.CompleteChatAsync(messages, completionOptions, ct).ConfigureAwait(false)).Value,
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            throw new ChatModelException(ChatModelFailure.Timeout, $"The model '{request.Model}' did not answer within {ex.Timeout.TotalSeconds:0.#} s.", inner: ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new ChatModelException(ChatModelFailure.CircuitOpen, $"The model endpoint is failing; calls are paused for up to {options.BreakDuration.TotalSeconds:0} s.", inner: ex);
        }
        catch (ClientResultException ex)
        {
            var failure = ex.Status switch
            {
                429 => ChatModelFailure.RateLimited,
                >= 500 or 0 => ChatModelFailure.Unavailable,
                _ => ChatModelFailure.Rejected,
            };
            // ex.Message can quote the endpoint's error body; keep only the status.
            throw new ChatModelException(failure, string.Create(CultureInfo.InvariantCulture, $"The model endpoint answered {ex.Status} for model '{request.Model}'."), ex.Status, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ChatModelException(ChatModelFailure.Unavailable, $"The model endpoint could not be reached ({ex.HttpRequestError}).", inner: ex);
        }

        var latency = time.GetElapsedTime(started);
        var result = FromSdk(completion, latency, deployment);
        logger.LogInformation(
            "Model {Model} (deployment {Deployment}) answered {FinishReason} with {ToolCallCount} tool call(s) in {LatencyMs} ms; tokens in {InputTokens} out {OutputTokens}",
            request.Model, deployment, result.FinishReason, result.ToolCalls.Count, (long)latency.TotalMilliseconds, result.Usage.InputTokens, result.Usage.OutputTokens);
        return result;
    }

    internal static SdkChatMessage ToSdk(ChatMessage message)
    {
        switch (message.Role)
        {
            case ChatRole.System:
                return new SystemChatMessage(message.Content ?? string.Empty);
            case ChatRole.User:
                return new UserChatMessage(message.Content ?? string.Empty);
            case ChatRole.Tool:
                return new ToolChatMessage(message.ToolCallId ?? throw new ArgumentException("a tool message needs its tool call id"), message.Content ?? string.Empty);
            case ChatRole.Assistant when message.ToolCalls is { Count: > 0 } calls:
                var assistant = new AssistantChatMessage(calls.Select(call =>
                    ChatToolCall.CreateFunctionToolCall(call.Id, ToolSchema.ToWireName(call.Name), BinaryData.FromString(call.ArgumentsJson))));
                if (!string.IsNullOrEmpty(message.Content)) assistant.Content.Add(ChatMessageContentPart.CreateTextPart(message.Content));
                return assistant;
            case ChatRole.Assistant:
                return new AssistantChatMessage(message.Content ?? string.Empty);
            default:
                throw new ArgumentOutOfRangeException(nameof(message), message.Role, "unknown chat role");
        }
    }

    internal static ChatCompletion FromSdk(OpenAI.Chat.ChatCompletion completion, TimeSpan latency, string deployment)
    {
        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        if (text.Length == 0 && !string.IsNullOrEmpty(completion.Refusal))
        {
            // A safety refusal is the model's answer for this turn; the engine shows it like any other.
            text = completion.Refusal;
        }
        // Arguments pass through verbatim, even when truncated or not JSON: the engine's schema check turns them into
        // a tool error the model can correct, instead of this adapter guessing.
        var calls = completion.ToolCalls
            .Select(call => new ToolCall(call.Id, call.FunctionName, call.FunctionArguments?.ToString() ?? string.Empty))
            .ToList();
        var usage = completion.Usage is { } u ? new TokenUsage(u.InputTokenCount, u.OutputTokenCount, u.InputTokenDetails?.CachedTokenCount ?? 0) : TokenUsage.Zero;
        var finish = completion.FinishReason switch
        {
            ChatFinishReason.Stop => "stop",
            ChatFinishReason.Length => "length",
            ChatFinishReason.ToolCalls => "tool_calls",
            ChatFinishReason.ContentFilter => "content_filter",
            ChatFinishReason.FunctionCall => "tool_calls",
            _ => completion.FinishReason.ToString().ToLowerInvariant(),
        };
        return new ChatCompletion(text.Length == 0 ? null : text, calls, usage, finish, latency, completion.Model ?? deployment);
    }

    private ChatClient CreateClient(string deployment)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.Endpoint,
            // Ours are the only retries (see BuildPipeline); the SDK's would multiply them and ignore the breaker.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = options.AttemptTimeout + TimeSpan.FromSeconds(5),
            UserAgentApplicationId = "AgentFunctions",
        };
        if (httpClient is not null) clientOptions.Transport = new HttpClientPipelineTransport(httpClient);
        return authentication is null
            ? new ChatClient(deployment, new ApiKeyCredential("unused"), clientOptions) // keyless endpoint (local Ollama/vLLM)
            // The AuthenticationPolicy constructor is the SDK's documented way to send Entra ID tokens or the api-key header
            // to Azure OpenAI's v1 endpoint; it is flagged experimental (OPENAI001) only.
#pragma warning disable OPENAI001
            : new ChatClient(deployment, authentication, clientOptions);
#pragma warning restore OPENAI001
    }

    private static AuthenticationPolicy? CreateAuthentication(OpenAIChatModelOptions options, AuthenticationTokenProvider? tokenProvider)
    {
        if (options.UseManagedIdentity)
        {
            var provider = tokenProvider ?? new global::Azure.Identity.DefaultAzureCredential(new global::Azure.Identity.DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = options.ManagedIdentityClientId,
            });
            return new BearerTokenPolicy(provider, OpenAIChatModelOptions.ManagedIdentityScope);
        }
        if (string.IsNullOrEmpty(options.ApiKey)) return null;
        var key = new ApiKeyCredential(options.ApiKey);
        return options.EffectiveApiKeyHeader == "api-key"
            ? ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(key, "api-key")
            : ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(key);
    }

    private static ResiliencePipeline BuildPipeline(OpenAIChatModelOptions options, TimeProvider time, ILogger logger)
    {
        var transient = new PredicateBuilder()
            .Handle<ClientResultException>(ex => ex.Status is 408 or 429 or >= 500 or 0)
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>();
        var outage = new PredicateBuilder()
            .Handle<ClientResultException>(ex => ex.Status is 408 or >= 500 or 0)
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>();
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(options.Timeout);
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception, time) is { } hinted
                    ? (TimeSpan?)(hinted > options.MaxRetryDelay ? options.MaxRetryDelay : hinted)
                    : null),
                OnRetry = args =>
                {
                    var status = (args.Outcome.Exception as ClientResultException)?.Status;
                    logger.LogWarning("Model call attempt {Attempt} failed (status {Status}, {ExceptionType}); retrying in {RetryDelayMs} ms",
                        args.AttemptNumber + 1, status, args.Outcome.Exception?.GetType().Name, (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = outage,
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                OnOpened = args =>
                {
                    logger.LogError("Model endpoint circuit opened for {BreakMs} ms after repeated failures", (long)args.BreakDuration.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>The server's wait hint: <c>retry-after-ms</c> (Azure OpenAI), else <c>retry-after</c> in seconds or as an HTTP date.</summary>
    internal static TimeSpan? RetryAfter(Exception? exception, TimeProvider time)
    {
        if (exception is not ClientResultException { } ex || ex.GetRawResponse() is not { } response) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }
        if (response.Headers.TryGetValue("retry-after", out var value) && value is not null)
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }
        return null;
    }
}
