using System.Text.Json.Serialization;

namespace AgentFunctions.Common.Paging;

/// <summary>
/// The one list envelope of the API: <c>{ "items": [...], "next_cursor": "..." | null }</c>. A page may hold fewer items
/// than the limit (items the caller may not see are left out) while <see cref="NextCursor"/> still names a next page.
/// </summary>
public sealed record ListPage<T>(
    IReadOnlyList<T> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor)
{
    public ListPage<TOut> Select<TOut>(Func<T, TOut> map) => new(Items.Select(map).ToList(), NextCursor);
}
