// Compile-only stand-in. Mirrors Azure/azure-functions-dotnet-worker,
// extensions/Worker.Extensions.Http/src/AuthorizationLevel.cs (package Microsoft.Azure.Functions.Worker.Extensions.Http).
namespace Microsoft.Azure.Functions.Worker;

/// <summary>The key an HTTP function requires from the Functions host; same members, same order as the real enum.</summary>
public enum AuthorizationLevel
{
    Anonymous,
    User,
    Function,
    System,
    Admin,
}
