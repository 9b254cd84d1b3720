namespace AgentFunctions.Api.Engine;

public sealed record CreateSessionRequest(string? Title = null);
