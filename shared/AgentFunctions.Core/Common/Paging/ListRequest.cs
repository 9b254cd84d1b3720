namespace AgentFunctions.Common.Paging;

/// <summary>What a caller asks of a list: at most <see cref="Limit"/> items, after the position <see cref="Cursor"/> names.</summary>
public sealed record ListRequest(int Limit = ListRequest.DefaultLimit, string? Cursor = null)
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 200;

    /// <summary>A cursor is short: longer text is refused before it is decoded.</summary>
    public const int MaxCursorLength = 4096;

    public static ListRequest First { get; } = new();
}
