// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskFailureDetails.cs
// (the record with the Properties parameter). Subset: FromException and the non-generic IsCausedBy(Type).
namespace Microsoft.DurableTask;

public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure, IDictionary<string, object?>? Properties)
{
    public bool IsCausedBy<T>() where T : Exception => throw new NotSupportedException("compile-only stand-in");
}
