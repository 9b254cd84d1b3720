using AgentFunctions.Api.Hosting;

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
        builder.Services.AddLocalAdapters(dataDirectory);
        return builder;
    }

    public static async Task BootstrapLocalPlatformAsync(this WebApplication app)
    {
        var data = app.Services.GetRequiredService<LocalDataDirectory>();
        app.Logger.LogInformation("AgentFunctions local host: data in {DataDirectory}", data.Path);
        await Task.CompletedTask;
    }
}
