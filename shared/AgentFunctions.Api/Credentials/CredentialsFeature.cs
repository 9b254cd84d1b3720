using AgentFunctions.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Api.Credentials;

public static class CredentialsFeature
{
    /// <summary>The credentials service, its engine-facing port and the HTTP handlers. The secret vault is an adapter (local or Key Vault).</summary>
    public static IServiceCollection AddCredentialsFeature(this IServiceCollection services)
    {
        services.TryAddSingleton<CredentialService>();
        services.TryAddSingleton<ICredentialAccess>(sp => sp.GetRequiredService<CredentialService>());
        services.TryAddSingleton<CredentialsApi>();
        return services;
    }
}
