using System.Text.Json;
using AgentFunctions.Common;
using Microsoft.AspNetCore.Http;

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
        if (!IsJson(request.ContentType))
        {
            throw new UnsupportedMediaTypeException("Send the body as application/json.");
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

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)));

    // JsonException messages quote the CLR type names; keep the part a client can act on.
    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal)) return "Unknown field.";
        if (message.Contains("missing required properties", StringComparison.Ordinal) || message.Contains("non-nullable", StringComparison.Ordinal)) return "A required value is missing or null.";
        if (message.Contains("could not be converted", StringComparison.Ordinal)) return "The value has the wrong type.";
        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)) return "The field appears more than once.";
        return "The body is not valid JSON.";
    }
}
