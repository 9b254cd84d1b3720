// Compile-only stand-in. Mirrors Microsoft.Azure.Functions.Worker.FunctionAttribute from Azure/azure-functions-dotnet-worker
// (package Microsoft.Azure.Functions.Worker.Core). Its source file was not in the searchable index; the shape
// (constructor taking the name, Name property, methods only) is the one every sample uses, e.g.
// Azure-Samples/functions-quickstart-dotnet-azd http/httpGetFunction.cs: [Function("httpget")].
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
