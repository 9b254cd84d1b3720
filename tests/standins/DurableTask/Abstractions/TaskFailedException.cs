// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskFailedException.cs: what an
// orchestrator catches when an activity or sub-orchestration it awaited failed. Subset: the obsolete IsCausedByException.
namespace Microsoft.DurableTask;

public sealed class TaskFailedException : Exception
{
    public TaskFailedException(string taskName, int taskId, Exception innerException)
        : base("compile-only stand-in", innerException)
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = null!;
    }

    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base("compile-only stand-in")
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails;
    }

    public string TaskName { get; }

    public int TaskId { get; }

    public TaskFailureDetails FailureDetails { get; }
}
