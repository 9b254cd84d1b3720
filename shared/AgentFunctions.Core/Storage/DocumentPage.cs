namespace AgentFunctions.Storage;

/// <summary>
/// One page of a query, at most the requested limit, in id order. <see cref="Continuation"/> is null when nothing follows;
/// otherwise pass it back to read the next page. A page may hold fewer records than asked (even none) while one follows.
/// </summary>
public sealed record DocumentPage(IReadOnlyList<StoredDocument> Items, string? Continuation);
