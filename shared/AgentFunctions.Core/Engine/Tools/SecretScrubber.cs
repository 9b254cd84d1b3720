using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Removes known secret values from text by value, not by field name: as they are, URL-encoded, JSON-escaped and
/// base64-encoded (standard and URL-safe, padded or not), and inside any base64 or percent-encoded run that decodes to
/// text containing one (so <c>Basic base64(user:secret)</c> or a base64 JSON blob holding the secret go too). JSON text
/// is scrubbed string by string after unescaping, so an encoder's <c>\u002B</c> cannot hide a value. Used on
/// everything recorded about a tool call once a credential was injected into it: arguments, result, error, log lines.
/// </summary>
public sealed partial class SecretScrubber
{
    /// <summary>Shorter values are not scrubbed: replacing two or three common characters would shred the text.</summary>
    public const int MinLength = 4;

    private readonly HashSet<string> secrets = new(StringComparer.Ordinal);
    private string[] variants = [];

    public bool IsEmpty => secrets.Count == 0;

    public void Add(string? secret)
    {
        if (secret is null || secret.Length < MinLength || !secrets.Add(secret)) return;
        variants = secrets.SelectMany(Variants).Where(v => v.Length >= MinLength).Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length).ToArray();
    }

    /// <summary>Adds every string leaf of a secret object (at least <paramref name="minLength"/> characters).</summary>
    public void AddStrings(JsonElement value, int minLength)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when value.GetString() is { } text && text.Length >= minLength:
                Add(text);
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject()) AddStrings(property.Value, minLength);
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray()) AddStrings(item, minLength);
                break;
        }
    }

    public string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text) || IsEmpty) return text ?? string.Empty;
        return ScrubText(ScrubJson(text));
    }

    /// <summary>When <paramref name="text"/> is JSON: every string value and property name, unescaped, scrubbed.</summary>
    private string ScrubJson(string text)
    {
        var start = text.AsSpan().TrimStart();
        if (start.IsEmpty || (start[0] != '{' && start[0] != '[' && start[0] != '"')) return text;
        if (ToolJson.TryParseNode(text) is not { } root) return text;
        var changed = false;
        var scrubbed = Walk(root, ref changed);
        return changed ? scrubbed?.ToJsonString(ToolJson.Relaxed) ?? "null" : text;
    }

    private JsonNode? Walk(JsonNode node, ref bool changed)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj.ToList())
                {
                    var key = ScrubText(name);
                    changed |= !string.Equals(key, name, StringComparison.Ordinal);
                    obj.Remove(name);
                    // Two keys that scrub to the same marker keep the last value: the names were secrets anyway.
                    copy[key] = value is null ? null : Walk(value, ref changed);
                }
                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array.ToList())
                {
                    array.Remove(item);
                    items.Add(item is null ? null : Walk(item, ref changed));
                }
                return items;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var original = value.GetValue<string>();
                var text = ScrubText(original);
                if (string.Equals(text, original, StringComparison.Ordinal)) return node;
                changed = true;
                return JsonValue.Create(text);
            default:
                return node;
        }
    }

    private string ScrubText(string text)
    {
        foreach (var variant in variants)
        {
            text = text.Replace(variant, JsonRedactor.Marker, StringComparison.Ordinal);
        }
        text = Base64Run().Replace(text, m => DecodesToSecret(FromBase64(m.Value)) ? JsonRedactor.Marker : m.Value);
        text = PercentRun().Replace(text, m => DecodesToSecret(FromPercent(m.Value)) ? JsonRedactor.Marker : m.Value);
        return text;
    }

    private bool DecodesToSecret(string? decoded)
    {
        if (string.IsNullOrEmpty(decoded)) return false;
        // Any spelling of a secret counts: base64 of JSON holds it JSON-escaped, base64 of a query string URL-encoded.
        foreach (var variant in variants)
        {
            if (decoded.Contains(variant, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static IEnumerable<string> Variants(string secret)
    {
        yield return secret;
        yield return Uri.EscapeDataString(secret);
        var form = WebUtility.UrlEncode(secret);
        yield return form;
        yield return LowerPercent().Replace(form, m => m.Value.ToLowerInvariant());
        yield return JsonEncodedText.Encode(secret).ToString();
        yield return JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        yield return standard;
        yield return standard.TrimEnd('=');
        var urlSafe = standard.Replace('+', '-').Replace('/', '_');
        yield return urlSafe;
        yield return urlSafe.TrimEnd('=');
    }

    private static string? FromBase64(string run)
    {
        var normalised = run.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        if (normalised.Length % 4 == 1) normalised = normalised[..^1];
        normalised = normalised.PadRight(normalised.Length + (4 - normalised.Length % 4) % 4, '=');
        var buffer = new byte[normalised.Length];
        return Convert.TryFromBase64String(normalised, buffer, out var written)
            ? Encoding.UTF8.GetString(buffer, 0, written)
            : null;
    }

    private static string? FromPercent(string run)
    {
        try
        {
            return Uri.UnescapeDataString(run.Replace('+', ' ')) + "\n" + Uri.UnescapeDataString(run);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    [GeneratedRegex("[A-Za-z0-9+/_-]{8,}={0,2}")]
    private static partial Regex Base64Run();

    [GeneratedRegex("[A-Za-z0-9%+._~!*'()-]*%[0-9A-Fa-f]{2}[A-Za-z0-9%+._~!*'()-]*")]
    private static partial Regex PercentRun();

    [GeneratedRegex("%[0-9A-F]{2}")]
    private static partial Regex LowerPercent();
}
