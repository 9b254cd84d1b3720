namespace AgentFunctions.Engine.Models;

public sealed record ChatMessage(ChatRole Role, string? Content, IReadOnlyList<ToolCall>? ToolCalls = null, string? ToolCallId = null)
{
    public static ChatMessage System(string content) => new(ChatRole.System, content);
    public static ChatMessage User(string content) => new(ChatRole.User, content);
    public static ChatMessage Assistant(string? content, IReadOnlyList<ToolCall>? toolCalls = null) => new(ChatRole.Assistant, content, toolCalls);
    public static ChatMessage Tool(string toolCallId, string content) => new(ChatRole.Tool, content, null, toolCallId);
}

public enum ChatRole
{
    System,
    User,
    Assistant,
    Tool,
}
