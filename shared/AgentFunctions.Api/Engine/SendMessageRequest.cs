namespace AgentFunctions.Api.Engine;

/// <summary>Body of <c>POST .../sessions/{sessionId}/messages</c>: one chat turn, run like an execute.</summary>
public sealed record SendMessageRequest(string Content, bool Wait = true, int? WaitSeconds = null);
