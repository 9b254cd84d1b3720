using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Azure.Models;

public static class OpenAIChatModelServices
{
    /// <summary>
    /// Registers <see cref="OpenAIChatModel"/> from <see cref="OpenAIChatModelOptions.SectionName"/> when that section
    /// names an Endpoint; without one nothing is registered and the scripted offline model stays the only model.
    /// Options are validated here, so a bad setting fails the host at startup rather than the first run.
    /// </summary>
    public static IServiceCollection AddOpenAIChatModel(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(OpenAIChatModelOptions.SectionName);
        if (string.IsNullOrWhiteSpace(section["Endpoint"])) return services;
        var options = new OpenAIChatModelOptions();
        section.Bind(options);
        options.Validate();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new OpenAIChatModel(
            sp.GetRequiredService<OpenAIChatModelOptions>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OpenAIChatModel>>()));
        // The unkeyed chat model the router sends every non-offline model to.
        services.TryAddSingleton<AgentFunctions.Engine.Models.IChatModel>(sp => sp.GetRequiredService<OpenAIChatModel>());
        return services;
    }
}
