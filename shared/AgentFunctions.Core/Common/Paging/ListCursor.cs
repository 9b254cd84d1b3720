using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using AgentFunctions.Storage;

namespace AgentFunctions.Common.Paging;

/// <summary>
/// Turns the store's continuation into the API's opaque cursor and back. A cursor is base64url of a 16-byte tag and the
/// store's continuation; the tag is a SHA-256 over the tenant, the list (its name and filters) and the continuation. So a
/// cursor of another tenant, of another list or filter, or with any byte changed is refused as a 400. It is not a secret
/// and not a capability: a well-formed cursor only names a position in a list the caller may read anyway, inside the
/// caller's own partition (the store is opened for the caller's tenant, whatever the cursor says).
/// </summary>
public static class ListCursor
{
    private const int TagBytes = 16;
    private static readonly byte[] Domain = "agentfunctions.list-cursor.v1\0"u8.ToArray();

    /// <summary>Reads one page of <typeparamref name="T"/> for <paramref name="list"/>; a bad cursor is a 400 naming <c>cursor</c>.</summary>
    public static async Task<ListPage<Versioned<T>>> ReadAsync<T>(ITenantDocuments documents, string list, ListRequest request, bool newestFirst,
        CancellationToken cancellationToken, params FieldEquals[] filter)
        where T : IDocument
    {
        ArgumentNullException.ThrowIfNull(request);
        var continuation = Open(documents.Tenant, list, request.Cursor);
        try
        {
            var (items, next) = await documents.PageAsync<T>(new DocumentPageRequest(request.Limit, continuation, newestFirst), cancellationToken, filter).ConfigureAwait(false);
            return new ListPage<Versioned<T>>(items, next is null ? null : Seal(documents.Tenant, list, next));
        }
        catch (InvalidContinuationException)
        {
            throw Refused();
        }
    }

    public static string Seal(TenantId tenant, string list, string continuation)
    {
        var payload = Encoding.UTF8.GetBytes(continuation);
        var buffer = new byte[TagBytes + payload.Length];
        Tag(tenant, list, payload).CopyTo(buffer, 0);
        payload.CopyTo(buffer, TagBytes);
        return Base64Url.EncodeToString(buffer);
    }

    /// <summary>The store continuation a cursor carries, or null for the first page. Throws a 400 for a cursor not issued for this list.</summary>
    public static string? Open(TenantId tenant, string list, string? cursor)
    {
        if (cursor is null) return null;
        byte[] bytes;
        try
        {
            bytes = cursor.Length is > 0 and <= ListRequest.MaxCursorLength ? Base64Url.DecodeFromChars(cursor) : [];
        }
        catch (FormatException)
        {
            throw Refused();
        }
        // Only the exact text Seal wrote: a non-canonical spelling of the same bytes is an edited cursor too.
        if (bytes.Length <= TagBytes || !string.Equals(Base64Url.EncodeToString(bytes), cursor, StringComparison.Ordinal)) throw Refused();
        var payload = bytes.AsSpan(TagBytes);
        if (!CryptographicOperations.FixedTimeEquals(bytes.AsSpan(0, TagBytes), Tag(tenant, list, payload)))
        {
            throw Refused();
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
        }
        catch (ArgumentException)
        {
            throw Refused();
        }
    }

    private static byte[] Tag(TenantId tenant, string list, ReadOnlySpan<byte> payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Domain);
        // Each part length-prefixed, so no two (tenant, list, continuation) triples hash the same text.
        Append(hash, Encoding.UTF8.GetBytes(tenant.Value));
        Append(hash, Encoding.UTF8.GetBytes(list));
        Append(hash, payload);
        return hash.GetHashAndReset()[..TagBytes];
    }

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> part)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, part.Length);
        hash.AppendData(length);
        hash.AppendData(part);
    }

    private static ValidationFailedException Refused() =>
        ValidationFailedException.For("cursor", "is not a cursor this list issued; start again without a cursor");
}
