namespace AgentFunctions.Engine.Orchestration;

/// <summary>An activity or child orchestration failed; the message is the recorded failure, identical on replay.</summary>
public sealed class ActivityFailedException(string name, string failure) : Exception($"{name} failed: {failure}")
{
    public string Name { get; } = name;

    public string Failure { get; } = failure;
}
