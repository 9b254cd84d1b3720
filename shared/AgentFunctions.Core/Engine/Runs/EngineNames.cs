namespace AgentFunctions.Engine.Runs;

/// <summary>The names the orchestration, its activities and its events go by, in both hosts.</summary>
public static class EngineNames
{
    public const string AgentRun = "AgentRun";
    public const string PrepareRun = "PrepareRun";
    public const string CallModel = "CallModel";
    public const string ExecuteTool = "ExecuteTool";

    /// <summary>Builtin tools (clock, HTTP GET fetch, knowledge search) only read: no fsync barrier before them locally.</summary>
    public const string ExecuteReadOnlyTool = "ExecuteReadOnlyTool";
    public const string CompleteRun = "CompleteRun";
    public const string FailRun = "FailRun";

    /// <summary>One event name per call, so a stale approval can never release a later call.</summary>
    public static string ApprovalEvent(string callId) => "approval:" + callId;
}
