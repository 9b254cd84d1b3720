using AgentFunctions.Access;
using AgentFunctions.Api.Hosting;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.LocalHost;

/// <summary>The local host: the same API as the Functions app, on the embedded adapters, at http://localhost:7071.</summary>
public static class LocalPlatform
{
    public const string DefaultUrl = "http://localhost:7071";

    public static WebApplicationBuilder AddLocalPlatform(this WebApplicationBuilder builder)
    {
        var dataDirectory = Path.GetFullPath(builder.Configuration["AgentFunctions:DataDirectory"]
            ?? Environment.GetEnvironmentVariable("AGENTFUNCTIONS_DATA")
            ?? Path.Combine(Directory.GetCurrentDirectory(), ".data"));
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.Services.AddPlatformCore();
        builder.Services.AddLocalAdapters(dataDirectory, builder.Configuration);
        builder.Services.AddOpenApi("v1");
        return builder;
    }

    public static WebApplication MapLocalDocuments(this WebApplication app)
    {
        // Outside /api: a local-host document about the API, not a route of the API itself.
        app.MapOpenApi("/openapi/{documentName}.json");
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

        if (quiet) return;
        Console.WriteLine($"AgentFunctions local host, data in {data.Path}");
        if (platformKeyText is not null || first is not null)
        {
            Console.WriteLine("First start: these keys are shown once. Keep them.");
            if (platformKeyText is not null) Console.WriteLine($"  platform key (creates tenants):   {platformKeyText}");
            if (first is not null) Console.WriteLine($"  tenant 'default' admin key:       {first.AdminKeyText}");
        }
    }
}
