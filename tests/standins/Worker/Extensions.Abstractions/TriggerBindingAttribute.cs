// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker,
// extensions/Worker.Extensions.Abstractions/src/TriggerBindingAttribute.cs.
namespace Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

public abstract class TriggerBindingAttribute : BindingAttribute
{
}
