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
            var filled = 0;
            while (filled < exact.Length)
            {
                var got = await request.Body.ReadAsync(exact.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (got == 0) return exact.AsMemory(0, filled); // shorter than declared: Kestrel fails the request first
                filled += got;
            }
            return exact;
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
