namespace AgentFunctions.Engine.Models;

public sealed record ChatCompletion(string? Content, IReadOnlyList<ToolCall> ToolCalls, TokenUsage Usage, string FinishReason, TimeSpan Latency, string Model);

/// <summary>Tokens of one model call; <see cref="CachedInputTokens"/> is the part of the input the provider served from its prompt cache.</summary>
public sealed record TokenUsage(int InputTokens, int OutputTokens, int CachedInputTokens = 0)
{
    public static readonly TokenUsage Zero = new(0, 0);

    public int Total => InputTokens + OutputTokens;

    public TokenUsage Add(TokenUsage other) => new(InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, CachedInputTokens + other.CachedInputTokens);
}
