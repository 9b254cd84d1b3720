// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, src/DotNetWorker/Builder/FunctionsApplicationBuilder.cs
// (package Microsoft.Azure.Functions.Worker). The real constructor is internal; so is this one.
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Azure.Functions.Worker.Builder;

public class FunctionsApplicationBuilder : IHostApplicationBuilder, IFunctionsWorkerApplicationBuilder
{
    internal FunctionsApplicationBuilder()
    {
    }

    public IDictionary<object, object> Properties => throw new NotSupportedException("compile-only stand-in");

    IConfigurationManager IHostApplicationBuilder.Configuration => Configuration;

    public ConfigurationManager Configuration => throw new NotSupportedException("compile-only stand-in");

    public IHostEnvironment Environment => throw new NotSupportedException("compile-only stand-in");

    public ILoggingBuilder Logging => throw new NotSupportedException("compile-only stand-in");

    public IMetricsBuilder Metrics => throw new NotSupportedException("compile-only stand-in");

    public IServiceCollection Services => throw new NotSupportedException("compile-only stand-in");

    public IHost Build() => throw new NotSupportedException("compile-only stand-in");

    public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure = null)
        where TContainerBuilder : notnull =>
        throw new NotSupportedException("compile-only stand-in");

    public IFunctionsWorkerApplicationBuilder Use(Func<FunctionExecutionDelegate, FunctionExecutionDelegate> middleware) =>
        throw new NotSupportedException("compile-only stand-in");
}
