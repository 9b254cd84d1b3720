using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Fills <c>{name}</c> placeholders of an HTTP tool's URL from the validated arguments. Placeholders may only appear
/// after the host (a value can never choose where the call goes); every value is percent-escaped as one path segment
/// or query value, and "." / ".." are refused as segments so a value cannot walk up the path.
/// </summary>
public static class UrlTemplate
{
    public static (Uri Url, IReadOnlySet<string> UsedArguments) Fill(string template, JsonElement arguments)
    {
        var schemeEnd = template.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0) throw new ToolCallException("the URL template is not absolute");
        var pathStart = template.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
        var authority = pathStart < 0 ? template[(schemeEnd + 3)..] : template[(schemeEnd + 3)..pathStart];
        if (authority.Contains('{') || authority.Contains('}'))
        {
            throw new ToolCallException("the URL template may not take its host or port from arguments");
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        var builder = new StringBuilder(template.Length + 32);
        var inQuery = false;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '?' || c == '#') inQuery = true;
            if (c != '{')
            {
                builder.Append(c);
                continue;
            }
            var close = template.IndexOf('}', i + 1);
            if (close < 0) throw new ToolCallException("the URL template has an unclosed placeholder");
            var name = template[(i + 1)..close];
            if (arguments.ValueKind != JsonValueKind.Object || !arguments.TryGetProperty(name, out var value))
            {
                throw new ToolCallException($"argument '{name}' is required by the URL");
            }
            var text = Scalar(name, value);
            if (!inQuery && (text.Length == 0 || text is "." or ".."))
            {
                throw new ToolCallException($"argument '{name}' is not a valid path segment");
            }
            builder.Append(Uri.EscapeDataString(text));
            used.Add(name);
            i = close;
        }
        if (!Uri.TryCreate(builder.ToString(), UriKind.Absolute, out var uri) || !HostAllowlist.IsCallable(uri))
        {
            throw new ToolCallException("the URL is not an absolute http(s) URL");
        }
        return (uri, used);
    }

    /// <summary>Appends arguments the template did not use as query parameters (for methods without a body).</summary>
    public static Uri AppendQuery(Uri url, JsonElement arguments, IReadOnlySet<string> skip)
    {
        if (arguments.ValueKind != JsonValueKind.Object) return url;
        var query = new StringBuilder();
        foreach (var property in arguments.EnumerateObject())
        {
            if (skip.Contains(property.Name) || property.Value.ValueKind == JsonValueKind.Null) continue;
            var values = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToList() : [property.Value];
            foreach (var value in values)
            {
                query.Append(query.Length == 0 ? "" : "&").Append(Uri.EscapeDataString(property.Name)).Append('=').Append(Uri.EscapeDataString(Scalar(property.Name, value)));
            }
        }
        if (query.Length == 0) return url;
        var builder = new UriBuilder(url);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query.ToString() : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }

    private static string Scalar(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new ToolCallException(string.Create(CultureInfo.InvariantCulture, $"argument '{name}' must be a string, number or boolean to go in the URL")),
    };
}
