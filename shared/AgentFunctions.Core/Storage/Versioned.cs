namespace AgentFunctions.Storage;

/// <summary>A typed document and the ETag it was read or written with.</summary>
public sealed record Versioned<T>(T Value, string ETag)
{
    /// <summary>If-Match <c>*</c>: any current version (RFC 9110 section 13.1.1).</summary>
    public const string AnyVersion = "*";

    /// <summary>Whether an If-Match value (already unquoted; null when absent) lets a change through.</summary>
    public bool Matches(string? ifMatch) => ifMatch is null || ifMatch == AnyVersion || ifMatch == ETag;
}
