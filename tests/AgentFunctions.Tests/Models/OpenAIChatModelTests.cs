using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using AgentFunctions.Azure.Models;
using AgentFunctions.Engine.Models;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Models;

public sealed class OpenAIChatModelTests : IAsyncLifetime
{
    private static readonly JsonElement SearchSchema = JsonDocument.Parse("""{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}""").RootElement.Clone();
    private readonly CapturingLoggerProvider logs = new();
    private ChatCompletionsServer server = null!;

    public async Task InitializeAsync() => server = await ChatCompletionsServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    private OpenAIChatModel CreateSut(Action<OpenAIChatModelOptions>? configure = null, AuthenticationTokenProvider? tokens = null)
    {
        var options = new OpenAIChatModelOptions
        {
            Endpoint = server.Endpoint,
            ApiKey = "test-key-123",
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromSeconds(2),
            Timeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        return new OpenAIChatModel(options, TimeProvider.System, factory.CreateLogger<OpenAIChatModel>(), tokens);
    }

    private static ChatRequest Request(string model = "gpt-4o-mini", IReadOnlyList<ToolSchema>? tools = null) => new(
        model,
        [ChatMessage.System("You are terse."), ChatMessage.User("Find Ada")],
        tools ?? []);

    [Fact]
    public async Task Complete_PlainAnswer_MapsContentUsageAndFinishAndSendsModelAndMessages()
    {
        server.Then(ChatCompletionsServer.Answer("Hello Ada", promptTokens: 21, completionTokens: 4));
        var sut = CreateSut();

        var completion = await sut.CompleteAsync(Request() with { MaxOutputTokens = 256 });

        Assert.Equal("Hello Ada", completion.Content);
        Assert.Empty(completion.ToolCalls);
        Assert.Equal(new TokenUsage(21, 4), completion.Usage);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal("gpt-4o-mini-2024-07-18", completion.Model);
        Assert.True(completion.Latency > TimeSpan.Zero);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/openai/v1/chat/completions", request.PathAndQuery);
        Assert.Equal("Bearer test-key-123", request.Header("Authorization"));
        Assert.Null(request.Header("api-key"));
        var body = server.Body(0);
        Assert.Equal("gpt-4o-mini", (string?)body["model"]);
        Assert.Equal(256, (int?)body["max_completion_tokens"]);
        var messages = body["messages"]!.AsArray();
        Assert.Equal(["system", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("Find Ada", (string?)messages[1]!["content"]);
        Assert.Null(body["tools"]);
    }

    [Fact]
    public async Task Complete_AzureApiKeyHeaderAndDeploymentMap_SendsApiKeyToTheDeployment()
    {
        server.Then(ChatCompletionsServer.Answer("ok"));
        var sut = CreateSut(o =>
        {
            o.ApiKeyHeader = "api-key";
            o.DeploymentMap["gpt-4o-mini"] = "prod-mini-deployment";
        });

        await sut.CompleteAsync(Request());

        var request = Assert.Single(server.Requests);
        Assert.Equal("test-key-123", request.Header("api-key"));
        Assert.Null(request.Header("Authorization"));
        Assert.Equal("prod-mini-deployment", (string?)server.Body(0)["model"]);
    }

    [Fact]
    public async Task Complete_ManagedIdentity_SendsBearerTokenForCognitiveServicesScope()
    {
        // Bearer tokens are only sent over TLS, so this case runs against an HTTPS loopback server.
        using var certificate = LoopbackServer.CreateLoopbackCertificate();
        await using var tls = await ChatCompletionsServer.StartAsync(certificate);
        tls.Then(ChatCompletionsServer.Answer("ok"));
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == certificate.Thumbprint };
        using var http = new HttpClient(handler);
        var tokens = new FixedTokenProvider("entra-token-abc");
        var options = new OpenAIChatModelOptions { Endpoint = tls.Endpoint, UseManagedIdentity = true };
        var sut = new OpenAIChatModel(options, TimeProvider.System, LoggerFactory.Create(b => b.AddProvider(logs)).CreateLogger<OpenAIChatModel>(), tokens, http);

        var completion = await sut.CompleteAsync(Request());

        Assert.Equal("ok", completion.Content);
        Assert.StartsWith("https://", tls.Endpoint.ToString());
        Assert.Equal("Bearer entra-token-abc", Assert.Single(tls.Requests).Header("Authorization"));
        Assert.Null(tls.Requests[0].Header("api-key"));
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], tokens.Scopes);
    }

    [Fact]
    public async Task Complete_TwoParallelToolCalls_MapsThemAndSendsToolsByWireName()
    {
        server.Then(ChatCompletionsServer.ToolCalls("tool_calls",
            ("call_a", "crm__search", """{"query":"Ada"}"""),
            ("call_b", "builtin__current_time", """{"timezone":"Europe/Paris"}""")));
        var sut = CreateSut();
        var tools = new[]
        {
            new ToolSchema("crm.search", "Search contacts", SearchSchema),
            new ToolSchema("builtin.current_time", "Time", JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone()),
        };

        var completion = await sut.CompleteAsync(Request(tools: tools));

        Assert.Null(completion.Content);
        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal(
            [new ToolCall("call_a", "crm__search", """{"query":"Ada"}"""), new ToolCall("call_b", "builtin__current_time", """{"timezone":"Europe/Paris"}""")],
            completion.ToolCalls);
        Assert.Equal("crm.search", ToolSchema.FromWireName(completion.ToolCalls[0].Name));
        var sentTools = server.Body(0)["tools"]!.AsArray();
        Assert.Equal(["crm__search", "builtin__current_time"], sentTools.Select(t => (string?)t!["function"]!["name"]));
        Assert.Equal("function", (string?)sentTools[0]!["type"]);
        Assert.Equal("query", (string?)sentTools[0]!["function"]!["parameters"]!["required"]![0]);
    }

    [Fact]
    public async Task Complete_HistoryWithToolResults_SendsAssistantToolCallsAndToolMessages()
    {
        server.Then(ChatCompletionsServer.Answer("Ada is in London"));
        var sut = CreateSut();
        var request = new ChatRequest("gpt-4o-mini",
        [
            ChatMessage.User("Where is Ada?"),
            ChatMessage.Assistant(null, [new ToolCall("call_a", "crm.search", """{"query":"Ada"}""")]),
            ChatMessage.Tool("call_a", """{"city":"London"}"""),
        ], [new ToolSchema("crm.search", "Search", SearchSchema)]);

        await sut.CompleteAsync(request);

        var messages = server.Body(0)["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => (string?)m!["role"]));
        var call = messages[1]!["tool_calls"]![0]!;
        Assert.Equal("call_a", (string?)call["id"]);
        Assert.Equal("crm__search", (string?)call["function"]!["name"]);
        Assert.Equal("""{"query":"Ada"}""", (string?)call["function"]!["arguments"]);
        Assert.Equal("call_a", (string?)messages[2]!["tool_call_id"]);
        Assert.Equal("""{"city":"London"}""", (string?)messages[2]!["content"]);
    }

    [Fact]
    public async Task Complete_TruncatedToolCallArguments_PassedThroughVerbatimForTheEngineToReject()
    {
        server.Then(ChatCompletionsServer.ToolCalls("length", ("call_t", "crm__search", """{"query":"Ad""")));
        var sut = CreateSut();

        var completion = await sut.CompleteAsync(Request(tools: [new ToolSchema("crm.search", "Search", SearchSchema)]));

        Assert.Equal("length", completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("""{"query":"Ad""", call.ArgumentsJson);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(call.ArgumentsJson));
    }

    [Fact]
    public async Task Complete_429WithRetryAfterMs_WaitsTheHintedTimeThenSucceeds()
    {
        server.Then(ChatCompletionsServer.Error(429, ("retry-after-ms", "40"), ("retry-after", "1")))
              .Then(ChatCompletionsServer.Answer("after the wait"));
        var sut = CreateSut();

        var completion = await sut.CompleteAsync(Request());

        Assert.Equal("after the wait", completion.Content);
        Assert.Equal(2, server.Requests.Count);
        var retry = Assert.Single(logs.Entries, e => e.Message.StartsWith("Model call attempt", StringComparison.Ordinal));
        Assert.Equal(40L, retry.Values["RetryDelayMs"]);
        Assert.Equal(429, retry.Values["Status"]);
    }

    [Fact]
    public async Task Complete_429WithRetryAfterSecondsOverCap_WaitsTheCap()
    {
        server.Then(ChatCompletionsServer.Error(429, ("retry-after", "120")))
              .Then(ChatCompletionsServer.Answer("ok"));
        var sut = CreateSut(o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(30));

        await sut.CompleteAsync(Request());

        var retry = Assert.Single(logs.Entries, e => e.Message.StartsWith("Model call attempt", StringComparison.Ordinal));
        Assert.Equal(30L, retry.Values["RetryDelayMs"]);
    }

    [Fact]
    public async Task Complete_429OnEveryAttempt_FailsRateLimitedAfterRetries()
    {
        server.Then(ChatCompletionsServer.Error(429, ("retry-after-ms", "1")));
        var sut = CreateSut(o => o.MaxRetries = 2);

        var ex = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));

        Assert.Equal(ChatModelFailure.RateLimited, ex.Failure);
        Assert.Equal(429, ex.Status);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task Complete_500sUntilBreakerOpens_StopsCallingTheEndpoint()
    {
        server.Then(ChatCompletionsServer.Error(500));
        var sut = CreateSut(o =>
        {
            o.MaxRetries = 1;
            o.MinimumThroughput = 2;
            o.FailureRatio = 0.5;
            o.BreakDuration = TimeSpan.FromSeconds(30);
        });

        var first = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));
        var second = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));
        var third = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));

        Assert.Equal(ChatModelFailure.Unavailable, first.Failure);
        Assert.Equal(500, first.Status);
        Assert.Equal(ChatModelFailure.CircuitOpen, second.Failure);
        Assert.Equal(ChatModelFailure.CircuitOpen, third.Failure);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("Model endpoint circuit opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Complete_400_FailsRejectedWithoutRetry()
    {
        server.Then(ChatCompletionsServer.Error(400));
        var sut = CreateSut();

        var ex = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));

        Assert.Equal(ChatModelFailure.Rejected, ex.Failure);
        Assert.Single(server.Requests);
        Assert.DoesNotContain("scripted failure", ex.Message);
    }

    [Fact]
    public async Task Complete_EndpointNeverAnswers_FailsWithTimeout()
    {
        server.Then(ChatCompletionsServer.Hang());
        var sut = CreateSut(o =>
        {
            o.MaxRetries = 0;
            o.Timeout = TimeSpan.FromMilliseconds(400);
        });

        var ex = await Assert.ThrowsAsync<ChatModelException>(() => sut.CompleteAsync(Request()));

        Assert.Equal(ChatModelFailure.Timeout, ex.Failure);
    }

    [Fact]
    public async Task Complete_CallerCancels_PropagatesCancellation()
    {
        server.Then(ChatCompletionsServer.Hang());
        var sut = CreateSut();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.CompleteAsync(Request(), cancel.Token));
    }

    [Fact]
    public void Validate_BadOptions_NameEveryProblem()
    {
        var options = new OpenAIChatModelOptions { Endpoint = null, ApiKey = "k", UseManagedIdentity = true, MaxRetries = 99 };

        var ex = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains("Endpoint", ex.Message);
        Assert.Contains("either ApiKey or UseManagedIdentity", ex.Message);
        Assert.Contains("MaxRetries", ex.Message);
        Assert.DoesNotContain("k,", ex.Message);
    }

    [Theory]
    [InlineData("https://contoso.openai.azure.com/openai/v1/", "api-key")]
    [InlineData("https://contoso.cognitiveservices.azure.com/openai/v1/", "api-key")]
    [InlineData("https://api.openai.com/v1/", "Authorization")]
    [InlineData("http://localhost:11434/v1/", "Authorization")]
    public void EffectiveApiKeyHeader_ByHost_PicksAzureOrOpenAIConvention(string endpoint, string expected)
    {
        Assert.Equal(expected, new OpenAIChatModelOptions { Endpoint = new Uri(endpoint) }.EffectiveApiKeyHeader);
    }

    [Fact]
    public void AddOpenAIChatModel_SectionWithEndpoint_RegistersBoundModel()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentFunctions:Models:OpenAI:Endpoint"] = "https://contoso.openai.azure.com/openai/v1/",
            ["AgentFunctions:Models:OpenAI:UseManagedIdentity"] = "true",
            ["AgentFunctions:Models:OpenAI:DeploymentMap:gpt-4o-mini"] = "mini-prod",
            ["AgentFunctions:Models:OpenAI:MaxRetries"] = "5",
        }).Build();

        using var provider = new ServiceCollection().AddLogging().AddOpenAIChatModel(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<OpenAIChatModelOptions>();
        Assert.True(options.UseManagedIdentity);
        Assert.Equal(5, options.MaxRetries);
        Assert.Equal("mini-prod", options.DeploymentFor("gpt-4o-mini"));
        Assert.Equal("other", options.DeploymentFor("other"));
        Assert.NotNull(provider.GetRequiredService<OpenAIChatModel>());
    }

    [Fact]
    public void AddOpenAIChatModel_NoEndpoint_RegistersNothing()
    {
        var configuration = new ConfigurationBuilder().Build();

        using var provider = new ServiceCollection().AddLogging().AddOpenAIChatModel(configuration).BuildServiceProvider();

        Assert.Null(provider.GetService<OpenAIChatModel>());
    }

    private sealed class FixedTokenProvider(string token) : AuthenticationTokenProvider
    {
        public List<string> Scopes { get; } = [];

        public override GetTokenOptions? CreateTokenOptions(IReadOnlyDictionary<string, object> properties) => new(properties);

        public override AuthenticationToken GetToken(GetTokenOptions options, CancellationToken cancellationToken)
        {
            if (options.Properties.TryGetValue(GetTokenOptions.ScopesPropertyName, out var scopes) && scopes is ReadOnlyMemory<string> list) Scopes.AddRange(list.ToArray());
            return new AuthenticationToken(token, "Bearer", DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow.AddMinutes(50));
        }

        public override ValueTask<AuthenticationToken> GetTokenAsync(GetTokenOptions options, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(options, cancellationToken));
    }
}
