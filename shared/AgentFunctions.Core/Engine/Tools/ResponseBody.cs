using System.Globalization;
using System.Text;

namespace AgentFunctions.Engine.Tools;

/// <summary>Reads a tool response body up to a byte cap; a larger body fails the call instead of being buffered.</summary>
public static class ResponseBody
{
    public static async Task<string> ReadAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
        using var collected = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (collected.Length + read > maxBytes) throw TooLarge(maxBytes);
            collected.Write(buffer, 0, read);
        }
        return EncodingOf(response).GetString(collected.GetBuffer(), 0, (int)collected.Length);
    }

    private static Encoding EncodingOf(HttpResponseMessage response)
    {
        var charset = response.Content.Headers.ContentType?.CharSet?.Trim('"');
        if (string.IsNullOrEmpty(charset)) return Encoding.UTF8;
        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    private static ToolCallException TooLarge(int maxBytes) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the response is larger than the {maxBytes} byte limit"));
}
