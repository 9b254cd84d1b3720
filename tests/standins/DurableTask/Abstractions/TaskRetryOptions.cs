// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskRetryOptions.cs.
// Subset: the AsyncRetryHandler / RetryHandler constructors and conversions are left out.
namespace Microsoft.DurableTask;

public sealed class TaskRetryOptions
{
    public TaskRetryOptions(RetryPolicy policy)
    {
        Policy = policy;
    }

    public RetryPolicy? Policy { get; }

    public static implicit operator TaskRetryOptions(RetryPolicy policy) => FromRetryPolicy(policy);

    public static TaskRetryOptions FromRetryPolicy(RetryPolicy policy) => new(policy);
}
