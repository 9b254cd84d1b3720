namespace AgentFunctions.Storage;

/// <summary>
/// Asks for one page of a kind, in id order (<see cref="Descending"/> for newest first where ids sort by time).
/// <see cref="Continuation"/> is the adapter's own token from the previous page, or null for the first page.
/// </summary>
public sealed record DocumentPageRequest(int Limit, string? Continuation = null, bool Descending = false)
{
    /// <summary>The most records one page may ask for; the API's own maximum is lower.</summary>
    public const int MaxLimit = 1000;

    public void Validate()
    {
        if (Limit is < 1 or > MaxLimit) throw new ArgumentOutOfRangeException(nameof(Limit), Limit, $"A page holds 1 to {MaxLimit} records.");
    }
}
