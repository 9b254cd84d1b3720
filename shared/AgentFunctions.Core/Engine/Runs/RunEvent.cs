namespace AgentFunctions.Engine.Runs;

/// <summary>One item of a run's live stream: a <c>step</c>, a <c>status</c> change, or the final <c>end</c>.</summary>
public sealed record RunEvent(string Type, object Data)
{
    public const string Step = "step";
    public const string Status = "status";
    public const string End = "end";
}
