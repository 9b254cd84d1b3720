using AgentFunctions.Api.Hosting;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Functions.Hosting;

/// <summary>
/// The Functions app's telemetry: the platform's (<see cref="PlatformTelemetryServices"/>), the worker's invocation
/// spans (Microsoft.Azure.Functions.Worker.OpenTelemetry), and Application Insights through the Azure Monitor exporter
/// when <see cref="ConnectionStringSetting"/> is set, authenticated with the app's identity (the component's local
/// auth is off in infra/app/monitoring.bicep). OTLP as well when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringSetting];
        var telemetry = services.AddPlatformTelemetry(configuration, "agentfunctions", tracesExported: !string.IsNullOrEmpty(connectionString)).UseFunctionsWorkerDefaults();
        if (!string.IsNullOrEmpty(connectionString))
        {
            var clientId = configuration["AZURE_CLIENT_ID"];
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrEmpty(clientId) ? null : clientId });
            });
        }
        return services;
    }
}
