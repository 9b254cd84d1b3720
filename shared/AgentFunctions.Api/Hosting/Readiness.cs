using System.Text.Json.Serialization;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Orchestration;
using AgentFunctions.Storage;
using AgentFunctions.Access;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Api.Hosting;

/// <summary>One dependency the platform needs to serve: a real round trip to it, cheap, touching no tenant's data.</summary>
public interface IReadinessCheck
{
    /// <summary>store, vault, bus, index, orchestration.</summary>
    string Name { get; }

    Task CheckAsync(CancellationToken cancellationToken);
}

public sealed class ReadinessCheck(string name, Func<CancellationToken, Task> check) : IReadinessCheck
{
    public string Name => name;

    public Task CheckAsync(CancellationToken cancellationToken) => check(cancellationToken);
}

/// <summary>A check's outcome: <c>ok</c>, <c>failed</c> (with the error's type, never its message) or <c>timeout</c>.</summary>
public sealed record ReadinessCheckResult(
    string Name,
    string Status,
    [property: JsonPropertyName("duration_ms")] double DurationMs,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

public sealed record ReadinessReport(
    string Status,
    [property: JsonPropertyName("checked_at")] DateTimeOffset CheckedAt,
    [property: JsonPropertyName("duration_ms")] double DurationMs,
    IReadOnlyList<ReadinessCheckResult> Checks)
{
    [JsonIgnore]
    public bool IsReady => Status == "ready";
}

/// <summary>
/// Runs every registered check at once, each bounded by <see cref="CheckTimeout"/>, and reports each with its time.
/// The route is anonymous (probes and load balancers call it without a key), so a report is reused for
/// <see cref="ReuseFor"/>: callers cannot turn it into a stream of calls to the dependencies. Errors are logged in full
/// and reported only by their type.
/// </summary>
public sealed class ReadinessService(IEnumerable<IReadinessCheck> checks, TimeProvider time, ILogger<ReadinessService> logger)
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<IReadinessCheck> all = checks.ToList();
    private readonly Lock gate = new();
    private Task<ReadinessReport>? latest;
    private DateTimeOffset latestStartedAt;

    public Task<ReadinessReport> CheckAsync()
    {
        lock (gate)
        {
            if (latest is not null && (!latest.IsCompleted || time.GetUtcNow() - latestStartedAt < ReuseFor)) return latest;
            latestStartedAt = time.GetUtcNow();
            latest = RunAsync();
            return latest;
        }
    }

    private async Task<ReadinessReport> RunAsync()
    {
        var started = time.GetTimestamp();
        var results = await Task.WhenAll(all.Select(RunOneAsync)).ConfigureAwait(false);
        var ready = results.All(r => r.Status == "ok");
        return new ReadinessReport(ready ? "ready" : "not_ready", time.GetUtcNow(), Milliseconds(time.GetElapsedTime(started)), results);
    }

    private async Task<ReadinessCheckResult> RunOneAsync(IReadinessCheck check)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(CheckTimeout, time);
        try
        {
            // Yield first: a check that blocks before its first await must not hold up the others.
            await Task.Yield();
            await check.CheckAsync(timeout.Token).WaitAsync(CheckTimeout, time, timeout.Token).ConfigureAwait(false);
            return new ReadinessCheckResult(check.Name, "ok", Milliseconds(time.GetElapsedTime(started)));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && timeout.IsCancellationRequested)
        {
            logger.LogWarning("Readiness check {Check} timed out after {TimeoutSeconds} s", check.Name, CheckTimeout.TotalSeconds);
            return new ReadinessCheckResult(check.Name, "timeout", Milliseconds(time.GetElapsedTime(started)));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Readiness check {Check} failed", check.Name);
            return new ReadinessCheckResult(check.Name, "failed", Milliseconds(time.GetElapsedTime(started)), ex.GetType().Name);
        }
    }

    private static double Milliseconds(TimeSpan elapsed) => Math.Round(elapsed.TotalMilliseconds, 1);
}

public static class ReadinessServices
{
    /// <summary>An id no record or instance has: the checks read it and expect nothing.</summary>
    public const string ProbeId = "readiness-probe";
    public const string ProbeVersion = "00000000000000000000000000000000";

    public static IServiceCollection AddReadinessCheck(this IServiceCollection services, string name, Func<IServiceProvider, CancellationToken, Task> check) =>
        services.AddSingleton<IReadinessCheck>(sp => new ReadinessCheck(name, ct => check(sp, ct)));

    /// <summary>The checks every host has: the document store, the secret vault and the orchestration client, through their ports.</summary>
    public static IServiceCollection AddPlatformReadiness(this IServiceCollection services)
    {
        services.AddSingleton<ReadinessService>();
        services.AddReadinessCheck("store", (sp, ct) =>
            sp.GetRequiredService<IDocumentStore>().For(TenantId.Platform).GetAsync<PlatformKey>(PlatformKey.SingletonId, ct).AsTask());
        services.AddReadinessCheck("vault", (sp, ct) =>
            sp.GetRequiredService<ISecretVault>().GetAsync(new SecretLocator(TenantId.Platform, ProbeId, null), ProbeVersion, ct));
        services.AddReadinessCheck("orchestration", (sp, ct) =>
            sp.GetRequiredService<IOrchestrationClient>().GetStateAsync(ProbeId, ct));
        return services;
    }
}
