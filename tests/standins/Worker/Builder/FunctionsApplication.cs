// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, src/DotNetWorker/Builder/FunctionsApplication.cs
// (package Microsoft.Azure.Functions.Worker).
namespace Microsoft.Azure.Functions.Worker.Builder;

public class FunctionsApplication
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args) =>
        throw new NotSupportedException("compile-only stand-in");
}
