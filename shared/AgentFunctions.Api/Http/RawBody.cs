using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Http;

/// <summary>Reads a body as bytes up to a limit (413 past it), for routes that check a signature over the exact bytes.</summary>
public static class RawBody
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, int limitBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limitBytes) throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
        if (request.ContentLength is { } declared and > 0)
        {
            // The usual case (webhooks send Content-Length): read straight into an array of that size, no copies.
            var exact = new byte[declared];
            // Shorter than declared: Kestrel fails the request first; what arrived is all there is.
            var filled = await request.Body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return exact.AsMemory(0, filled);
        }
        var buffer = new MemoryStream(4096);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limitBytes) throw new PayloadTooLargeException($"The body may be at most {limitBytes} bytes.");
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
