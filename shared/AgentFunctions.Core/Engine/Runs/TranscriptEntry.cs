using AgentFunctions.Engine.Models;

namespace AgentFunctions.Engine.Runs;

/// <summary>One message of a run's conversation at its place (<see cref="Index"/>) in the transcript.</summary>
public sealed record TranscriptEntry(int Index, ChatMessage Message);
