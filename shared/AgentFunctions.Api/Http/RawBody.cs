using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>Reads a body as bytes up to a limit (413 past it), for routes that check a signature over the exact bytes.</summary>
public static class RawBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, int limitBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limitBytes) throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
        var buffer = new MemoryStream(request.ContentLength is { } length and > 0 ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limitBytes) throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
