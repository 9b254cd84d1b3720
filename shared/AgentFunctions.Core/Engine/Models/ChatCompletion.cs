namespace AgentFunctions.Engine.Models;

public sealed record ChatCompletion(string? Content, IReadOnlyList<ToolCall> ToolCalls, TokenUsage Usage, string FinishReason, TimeSpan Latency, string Model);

public sealed record TokenUsage(int InputTokens, int OutputTokens)
{
    public static readonly TokenUsage Zero = new(0, 0);

    public int Total => InputTokens + OutputTokens;

    public TokenUsage Add(TokenUsage other) => new(InputTokens + other.InputTokens, OutputTokens + other.OutputTokens);
}
