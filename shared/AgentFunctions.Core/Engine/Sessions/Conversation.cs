namespace AgentFunctions.Engine.Sessions;

public sealed record Conversation(Session Session, IReadOnlyList<ConversationMessage> Messages);
