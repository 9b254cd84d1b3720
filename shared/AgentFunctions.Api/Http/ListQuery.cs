using System.Globalization;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>
/// Reads <c>limit</c> and <c>cursor</c> of a list route. <c>limit</c> is a whole number from 1 to
/// <see cref="ListRequest.MaxLimit"/> (default <see cref="ListRequest.DefaultLimit"/>); anything else, or a parameter
/// given twice, is a 400 naming the field. The cursor is checked where it is opened (<see cref="ListCursor"/>).
/// </summary>
public static class ListQuery
{
    public static readonly IReadOnlySet<string> Parameters = new HashSet<string>(StringComparer.Ordinal) { "limit", "cursor" };

    /// <summary>
    /// Reads <c>limit</c> and <c>cursor</c>, and refuses any other parameter but the route's <paramref name="filters"/>
    /// (a name ending in <c>*</c> allows every parameter with that prefix, e.g. <c>meta.*</c>).
    /// </summary>
    public static ListRequest Read(HttpRequest request, params string[] filters)
    {
        RefuseUnknown(request, filters);
        var query = request.Query;
        var validation = new Validation();
        var limit = ListRequest.DefaultLimit;
        if (query.TryGetValue("limit", out var limitValues))
        {
            if (limitValues.Count != 1
                || !int.TryParse(limitValues[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > ListRequest.MaxLimit)
            {
                validation.Add("limit", $"must be a whole number from 1 to {ListRequest.MaxLimit} (default {ListRequest.DefaultLimit})");
            }
        }
        string? cursor = null;
        if (query.TryGetValue("cursor", out var cursorValues))
        {
            cursor = cursorValues.Count == 1 ? cursorValues[0] : null;
            if (string.IsNullOrEmpty(cursor) || cursor.Length > ListRequest.MaxCursorLength)
            {
                validation.Add("cursor", "must be the next_cursor of the previous page, given once");
            }
        }
        validation.ThrowIfInvalid();
        return new ListRequest(limit, cursor);
    }

    /// <summary>Refuses query parameters a route does not know (a misspelt filter must not silently list everything).</summary>
    private static void RefuseUnknown(HttpRequest request, string[] filters)
    {
        var validation = new Validation();
        foreach (var key in request.Query.Keys)
        {
            if (!Parameters.Contains(key) && !filters.Any(f => f.EndsWith('*') ? key.StartsWith(f[..^1], StringComparison.Ordinal) && key.Length > f.Length - 1 : key == f))
            {
                validation.Add(key, "is not a parameter of this list" + (filters.Length > 0 ? $"; it takes {string.Join(", ", filters)}, limit and cursor" : "; it takes limit and cursor"));
            }
        }
        validation.ThrowIfInvalid();
    }
}
