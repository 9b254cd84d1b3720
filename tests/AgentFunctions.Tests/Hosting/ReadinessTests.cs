using System.Net;
using System.Text.Json;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Functions.Hosting;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Hosting;

public sealed class ReadinessTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Ready_LocalHost_ChecksEachDependencyWithItsTime()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(["bus", "index", "orchestration", "store", "vault"], checks.Select(c => c.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(checks, c =>
        {
            Assert.Equal("ok", c.GetProperty("status").GetString());
            Assert.True(c.GetProperty("duration_ms").GetDouble() >= 0);
        });
        Assert.True(body.RootElement.GetProperty("duration_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Health_StaysLiveness_WithoutChecks()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CheckAsync_ACheckFails_IsNotReady_AndNamesOnlyTheErrorType()
    {
        var sut = CreateSut(new ManualTimeProvider(),
            new ReadinessCheck("store", _ => Task.CompletedTask),
            new ReadinessCheck("vault", _ => throw new InvalidOperationException("https://kv-secret-name.vault.azure.net/ refused token abc123")));

        var report = await sut.CheckAsync();

        Assert.False(report.IsReady);
        Assert.Equal("not_ready", report.Status);
        var vault = Assert.Single(report.Checks, c => c.Name == "vault");
        Assert.Equal("failed", vault.Status);
        Assert.Equal(nameof(InvalidOperationException), vault.Error);
        var json = JsonSerializer.Serialize(report, AgentFunctions.Common.PlatformJson.Options);
        Assert.DoesNotContain("kv-secret-name", json, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", json, StringComparison.Ordinal);
        Assert.Equal("ok", Assert.Single(report.Checks, c => c.Name == "store").Status);
    }

    [Fact]
    public async Task CheckAsync_CalledAgainWithinTheReuseWindow_RunsTheChecksOnce()
    {
        var time = new ManualTimeProvider();
        var calls = 0;
        var sut = CreateSut(time, new ReadinessCheck("store", _ => { Interlocked.Increment(ref calls); return Task.CompletedTask; }));

        await sut.CheckAsync();
        await sut.CheckAsync();
        time.Advance(ReadinessService.ReuseFor);
        await sut.CheckAsync();

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task CheckAsync_ACheckThatNeverAnswers_IsATimeout()
    {
        var time = new ManualTimeProvider();
        var never = new TaskCompletionSource();
        var sut = CreateSut(time, new ReadinessCheck("bus", _ => never.Task));

        var pending = sut.CheckAsync();
        while (!pending.IsCompleted)
        {
            time.Advance(ReadinessService.CheckTimeout);
            await Task.Delay(10);
        }
        var report = await pending;

        Assert.Equal("timeout", Assert.Single(report.Checks).Status);
        Assert.False(report.IsReady);
    }

    [Fact]
    public void FunctionsApp_Readiness_ChecksStoreVaultOrchestrationAndBus()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentFunctions:Cosmos:Endpoint"] = "https://cosmos-test.documents.azure.com:443/",
            ["ServiceBusConnection:fullyQualifiedNamespace"] = "sb-test.servicebus.windows.net",
            // The knowledge adapters the Functions app composes need theirs too.
            ["AgentFunctions:Search:Endpoint"] = "https://search-test.search.windows.net",
            ["AgentFunctions:Search:Index"] = "chunks",
            ["AgentFunctions:OpenAI:Endpoint"] = "https://oai-test.openai.azure.com/openai/v1/",
            ["AgentFunctions:OpenAI:EmbeddingDeployment"] = "embeddings",
            ["DocumentsStorage:blobServiceUri"] = "https://sttest.blob.core.windows.net/",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPlatformCore();
        services.AddAzureAdapters(configuration);
        services.AddFunctionsReadiness();
        using var provider = services.BuildServiceProvider();

        var names = provider.GetServices<IReadinessCheck>().Select(c => c.Name).Order(StringComparer.Ordinal);

        Assert.Equal(["bus", "orchestration", "store", "vault"], names);
    }

    private static ReadinessService CreateSut(TimeProvider time, params IReadinessCheck[] checks) =>
        new(checks, time, NullLogger<ReadinessService>.Instance);
}
