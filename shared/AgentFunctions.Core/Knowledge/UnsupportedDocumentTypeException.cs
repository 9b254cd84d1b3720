using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>415: an upload whose media type (or, for a generic type, file extension) ingestion cannot read.</summary>
public sealed class UnsupportedDocumentTypeException(string message) : PlatformException(message);
