namespace AgentFunctions.Knowledge.Extraction;

/// <summary>The file could not be read as its format; <see cref="Exception.Message"/> is the reason the document shows.</summary>
public sealed class ExtractionFailedException(string reason, Exception? inner = null) : Exception(reason, inner);
