using AgentFunctions.Access;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Common;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace AgentFunctions.LocalHost;

/// <summary>The local host: the same API as the Functions app, on the embedded adapters, at http://localhost:7071.</summary>
public static class LocalPlatform
{
    public const string DefaultUrl = "http://localhost:7071";

    /// <summary>
    /// The local host's default for <see cref="PrivateNetworkAllowlist.SettingName"/>: loopback, so the walkthroughs'
    /// tools on 127.0.0.1 work on a laptop. The Functions app has no default (no private host is reachable).
    /// </summary>
    public const string DefaultAllowedPrivateHosts = "127.0.0.0/8,::1";

    public static WebApplicationBuilder AddLocalPlatform(this WebApplicationBuilder builder)
    {
        var dataDirectory = Path.GetFullPath(builder.Configuration["AgentFunctions:DataDirectory"]
            ?? Environment.GetEnvironmentVariable("AGENTFUNCTIONS_DATA")
            ?? Path.Combine(Directory.GetCurrentDirectory(), ".data"));
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.WebHost.ConfigureKestrel(HttpEdge.ConfigureKestrelLimits);
        builder.Logging.AddPlatformConsole().AddHttpEdgeLogging();
        var privateHosts = builder.Configuration.GetSection(PrivateNetworkAllowlist.SettingName);
        if (privateHosts.Value is null && !privateHosts.GetChildren().Any())
        {
            builder.Configuration.AddInMemoryCollection([new(PrivateNetworkAllowlist.SettingName, DefaultAllowedPrivateHosts)]);
        }
        builder.Services.AddPlatformCore();
        builder.Services.AddLocalAdapters(dataDirectory, builder.Configuration);
        builder.Services.AddOpenApi("v1");
        // Traces and metrics: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and always GET /metrics for Prometheus.
        builder.Services.AddPlatformTelemetry(builder.Configuration, "agentfunctions-localhost")
            .WithMetrics(metrics => metrics.AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapLocalDocuments(this WebApplication app)
    {
        // Outside /api: a local-host document about the API, not a route of the API itself.
        app.MapOpenApi("/openapi/{documentName}.json");
        // Outside /api too: the Prometheus scrape of the platform's metrics (requests per route, model latency and
        // tokens, tool failures, bus queue depth and lag, runs by status).
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    /// <summary>
    /// First start on an empty data folder: makes the platform key and a first tenant with an admin user and key, and
    /// prints both keys once (to the console, never to the log). <c>AgentFunctions:PlatformKey</c> (or <c>AGENTFUNCTIONS_PLATFORM_KEY</c>) fixes the platform key.
    /// </summary>
    public static async Task BootstrapLocalPlatformAsync(this WebApplication app)
    {
        var data = app.Services.GetRequiredService<LocalDataDirectory>();
        var quiet = app.Configuration.GetValue<bool>("AgentFunctions:Quiet");
        var store = app.Services.GetRequiredService<IDocumentStore>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var platform = store.For(TenantId.Platform);

        var fixedKey = app.Configuration["AgentFunctions:PlatformKey"] ?? Environment.GetEnvironmentVariable("AGENTFUNCTIONS_PLATFORM_KEY");
        var existing = await platform.GetAsync<PlatformKey>(PlatformKey.SingletonId);
        string? platformKeyText = null;
        if (fixedKey is { Length: > 0 })
        {
            var secret = fixedKey.StartsWith(ApiKeyToken.PlatformPrefix + ".", StringComparison.Ordinal) ? fixedKey[4..] : fixedKey;
            await platform.UpsertAsync(new PlatformKey(PlatformKey.SingletonId, TenantId.Platform, ApiKeyToken.Hash(secret), time.GetUtcNow()));
        }
        else if (existing is null)
        {
            var secret = ApiKeyToken.NewSecret();
            await platform.CreateAsync(new PlatformKey(PlatformKey.SingletonId, TenantId.Platform, ApiKeyToken.Hash(secret), time.GetUtcNow()));
            platformKeyText = $"{ApiKeyToken.PlatformPrefix}.{secret}";
        }

        TenantCreated? first = null;
        if (existing is null && !quiet && (await platform.ListAsync<Tenancy.TenantDirectoryEntry>()).Count == 0)
        {
            first = await app.Services.GetRequiredService<TenancyService>().CreateTenantAsync(
                new CreateTenantCommand("My company", "free", null, "admin@localhost", "Local admin", "default"));
        }

        var privateHosts = app.Services.GetRequiredService<PrivateNetworkAllowlist>();
        app.Logger.LogInformation(
            "Tools may reach these private hosts: {AllowedPrivateHosts} ({Setting}; the local host defaults to loopback, empty means none)",
            privateHosts.IsEmpty ? "none" : string.Join(", ", privateHosts.Entries), PrivateNetworkAllowlist.SettingName);
        if (quiet) return;
        Console.WriteLine($"AgentFunctions local host, data in {data.Path}");
        Console.WriteLine($"Tools may reach these private hosts: {(privateHosts.IsEmpty ? "none" : string.Join(", ", privateHosts.Entries))} ({PrivateNetworkAllowlist.SettingName})");
        if (platformKeyText is not null || first is not null)
        {
            Console.WriteLine("First start: these keys are shown once. Keep them.");
            if (platformKeyText is not null) Console.WriteLine($"  platform key (creates tenants):   {platformKeyText}");
            if (first is not null) Console.WriteLine($"  tenant 'default' admin key:       {first.AdminKeyText}");
        }
        Console.WriteLine($"Agent Studio: {StudioUrl(app)} (sign in with the tenant admin key)");
    }

    /// <summary>Where the Studio answers: the first configured URL (ASPNETCORE_URLS / urls) or the default, with /studio.</summary>
    private static string StudioUrl(WebApplication app)
    {
        var first = (app.Configuration["urls"] ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DefaultUrl)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? DefaultUrl;
        return first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).TrimEnd('/') + StudioEndpoints.RequestPath;
    }
}
