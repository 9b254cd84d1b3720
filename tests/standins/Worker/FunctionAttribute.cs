// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker, src/DotNetWorker.Core (FunctionAttribute),
// package Microsoft.Azure.Functions.Worker.Core.
namespace Microsoft.Azure.Functions.Worker;

/// <summary>Marks a method as an Azure Function with the given name.</summary>
[AttributeUsage(AttributeTargets.Method)]
public class FunctionAttribute : Attribute
{
    public FunctionAttribute(string name)
    {
        Name = name;
    }

    public string Name { get; }
}
