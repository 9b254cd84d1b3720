// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker,
// extensions/Worker.Extensions.Abstractions/src/BindingAttribute.cs (package Microsoft.Azure.Functions.Worker.Extensions.Abstractions).
// No AttributeUsage here: the stored copies of this file are early prototypes (Method only), which the shipped trigger
// attributes could not be placed on parameters with; leaving the default keeps the stand-in at least as permissive as
// the package, so it never rejects code the real SDK accepts.
namespace Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

public abstract class BindingAttribute : Attribute
{
}
