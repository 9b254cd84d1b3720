namespace AgentFunctions.Knowledge;

/// <summary>The outcome of one dropped file, with the document it made or matched and, when rejected, why.</summary>
public sealed record DropResult(DropOutcome Outcome, string? DocumentId = null, string? Reason = null);
