using System.Text.Json;
using AgentFunctions.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AgentFunctions.Api.Http;

/// <summary>
/// Reads a request body as one JSON object of type <typeparamref name="T"/>: JSON content type only (415),
/// a size cap (413), unknown members and malformed JSON refused with the offending path (400).
/// </summary>
public static class JsonBody
{
    public const int DefaultLimitBytes = 256 * 1024;

    public static async Task<T> ReadAsync<T>(HttpRequest request, int limitBytes = DefaultLimitBytes, CancellationToken cancellationToken = default)
        where T : class
    {
        if (!IsJson(request.ContentType, out var charset))
        {
            throw new UnsupportedMediaTypeException("Send the body as application/json.");
        }
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            // JSON on the wire is UTF-8 (RFC 8259 section 8.1); reading other bytes as UTF-8 would change the text.
            throw new UnsupportedMediaTypeException($"JSON bodies are UTF-8; charset={charset} is not accepted.");
        }
        if (request.ContentLength > limitBytes)
        {
            throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limitBytes)
            {
                throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw ValidationFailedException.For("$", "A JSON body is required.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), PlatformJson.Options)
                ?? throw ValidationFailedException.For("$", "The body must be a JSON object, not null.");
        }
        catch (JsonException ex)
        {
            throw ValidationFailedException.For(string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path, Describe(ex));
        }
    }

    private static bool IsJson(string? contentType, out string? charset)
    {
        charset = null;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed)) return false;
        var mediaType = parsed.MediaType.Value ?? string.Empty;
        var json = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        charset = parsed.Charset.HasValue ? HeaderUtilities.RemoveQuotes(parsed.Charset).Value : null;
        return json;
    }

    // The framework may append " Path: $.x | LineNumber..." to a converter's message; the field is reported apart.
    private static int AllowedLength(string message)
    {
        var path = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return path < 0 ? message.Length : path;
    }

    // JsonException messages quote the CLR type names; keep the part a client can act on.
    private static string Describe(JsonException ex)
    {
        if (ex is AllowedValuesJsonException) return ex.Message[..AllowedLength(ex.Message)];
        var message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal)) return "Unknown field.";
        if (message.Contains("missing required properties", StringComparison.Ordinal) || message.Contains("non-nullable", StringComparison.Ordinal)) return "A required value is missing or null.";
        if (message.Contains("could not be converted", StringComparison.Ordinal)) return "The value has the wrong type.";
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)) return "The field appears more than once.";
        return "The body is not valid JSON.";
    }
}
