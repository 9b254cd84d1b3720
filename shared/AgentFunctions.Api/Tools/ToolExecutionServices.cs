using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Tools;

/// <summary>
/// Tool execution and the tool catalog. Needs an <see cref="AgentFunctions.Storage.IDocumentStore"/> and an
/// <see cref="AgentFunctions.Credentials.ICredentialAccess"/> from elsewhere. Tool traffic uses one named HttpClient
/// whose handler connects only to addresses the network guard accepts; which private hosts it may reach is the platform
/// setting <c>AgentFunctions:Network:AllowedPrivateHosts</c> (from configuration when there is one), empty by default.
/// </summary>
public static class ToolExecutionServices
{
    public static IServiceCollection AddToolExecution(this IServiceCollection services, Action<ToolExecutionOptions>? configure = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = new ToolExecutionOptions();
            if (sp.GetService<IConfiguration>() is { } configuration)
            {
                var section = configuration.GetSection(PrivateNetworkAllowlist.SettingName);
                options.AllowedPrivateHosts = PrivateNetworkAllowlist.ParseSetting(section.Value, section.GetChildren().Select(c => c.Value));
            }
            configure?.Invoke(options);
            options.Validate();
            return options;
        });
        services.TryAddSingleton(sp => new PrivateNetworkAllowlist(sp.GetRequiredService<ToolExecutionOptions>().AllowedPrivateHosts));
        services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        // The factory's request loggers would write tool URLs (which can carry arguments) unredacted; the executor logs
        // each call itself, with the tool's redaction applied.
        services.AddHttpClient(GuardedHttpClients.Name, ConfigureClient)
            .ConfigurePrimaryHttpMessageHandler(sp => GuardedHttpHandler.Create(sp.GetRequiredService<IHostResolver>(), sp.GetRequiredService<PrivateNetworkAllowlist>()))
            .RemoveAllLoggers();
        services.TryAddSingleton<IGuardedHttpClients, GuardedHttpClients>();
        services.TryAddSingleton<GuardedSender>();
        services.TryAddSingleton<ToolRateLimiter>();
        services.TryAddSingleton<ToolDirectory>();
        // A factory, so the host validates without the credentials service registered yet (another feature adds
        // ICredentialAccess); it is required the first time a tool runs.
        services.TryAddSingleton(sp => new CredentialResolver(sp.GetRequiredService<ICredentialAccess>()));
        services.TryAddSingleton<BuiltinTools>();
        services.TryAddSingleton<HttpToolRunner>();
        services.TryAddSingleton<McpConnector>();
        services.TryAddSingleton<McpToolRunner>();
        services.TryAddSingleton<McpToolLister>();
        services.TryAddSingleton<ToolCatalog>();
        services.TryAddSingleton<IToolCatalog>(sp => sp.GetRequiredService<ToolCatalog>());
        services.TryAddSingleton<IToolExecutor, ToolExecutor>();
        return services;
    }

    private static void ConfigureClient(HttpClient client)
    {
        // Each call has its own timeout (the tool's); the client's would cut a long tool short or hide which one fired.
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("AgentFunctions-Tools/1.0");
    }
}
