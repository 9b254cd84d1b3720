namespace AgentFunctions.Engine.Tools;

/// <summary>What a tool kind's runner produced, before redaction and timing are applied.</summary>
public sealed record ToolOutcome(bool Succeeded, string Content)
{
    public static ToolOutcome Ok(string content) => new(true, content);

    public static ToolOutcome Failed(string error) => new(false, error);
}
