namespace AgentFunctions.Engine.Models;

public sealed record ChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, IReadOnlyList<ToolSchema> Tools, int? MaxOutputTokens = null);
