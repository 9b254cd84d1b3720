using System.Net;
using System.Text.Json;
using AgentFunctions.Api.Tools;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Tools;

/// <summary>
/// The tool services as the hosts wire them (AddToolExecution), on a temp file store, with a recording credentials
/// double, a settable clock and a resolver that can point test names at chosen addresses.
/// </summary>
public sealed class ToolTestHost : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-tools-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider provider;
    private readonly FileDocumentStore store;

    public ToolTestHost(Action<ToolExecutionOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        store = new FileDocumentStore(directory);
        services.AddSingleton<IDocumentStore>(store);
        services.AddSingleton<ICredentialAccess>(Credentials);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IHostResolver>(Resolver);
        // The hosts register their knowledge retriever with their adapters; builtin.knowledge_search needs one.
        services.AddSingleton<AgentFunctions.Engine.Knowledge.IKnowledgeRetriever, AgentFunctions.Local.Knowledge.EmptyKnowledgeRetriever>();
        services.AddToolExecution(o =>
        {
            o.RetryBaseDelay = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        provider = services.BuildServiceProvider();
    }

    public TenantId Tenant { get; } = new("ten_tools_" + Guid.NewGuid().ToString("N")[..8]);

    public CapturingLoggerProvider Logs { get; } = new();

    public RecordingCredentialAccess Credentials { get; } = new();

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero));

    public FakeResolver Resolver { get; } = new();

    public IToolExecutor Executor => provider.GetRequiredService<IToolExecutor>();

    public ToolCatalog Catalog => (ToolCatalog)provider.GetRequiredService<IToolCatalog>();

    public Task SaveAsync(ToolDefinition tool) => provider.GetRequiredService<IDocumentStore>().For(Tenant).UpsertAsync(tool);

    public Task<ToolResult> CallAsync(string tool, string argumentsJson = "{}", string callId = "call_1") =>
        Executor.ExecuteAsync(new ToolInvocation(Tenant, "run_1", "agt_1", "usr_owner", tool, argumentsJson, callId));

    public ToolDefinition Http(string id, HttpToolSpec spec, int timeoutSeconds = 5, int retries = 0, int? ratePerMinute = null, IReadOnlyList<string>? redact = null) =>
        new(id, Tenant, "test tool " + id, ToolKind.Http, Schema("""{"type":"object"}"""), null, spec, null, null,
            timeoutSeconds, retries, ratePerMinute, redact ?? [], false, 1, Clock.GetUtcNow(), Clock.GetUtcNow());

    public ToolDefinition Mcp(string id, McpToolSpec spec, IReadOnlyList<string>? redact = null, string schema = """{"type":"object"}""") =>
        new(id, Tenant, "mcp " + id, ToolKind.Mcp, Schema(schema), null, null, null, spec, 5, 0, null, redact ?? [], false, 1, Clock.GetUtcNow(), Clock.GetUtcNow());

    public static JsonElement Schema(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await provider.DisposeAsync();
        store.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Resolves names the test mapped to chosen addresses; anything else through DNS.</summary>
public sealed class FakeResolver : IHostResolver
{
    private readonly Dictionary<string, IPAddress[]> map = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Lookups { get; } = [];

    public void Map(string host, params string[] addresses) => map[host] = addresses.Select(IPAddress.Parse).ToArray();

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        lock (Lookups) Lookups.Add(host);
        return map.TryGetValue(host, out var addresses) ? Task.FromResult(addresses) : Dns.GetHostAddressesAsync(host, cancellationToken);
    }
}

/// <summary>Wall time the test sets; timers and timestamps stay real so timeouts still fire.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
