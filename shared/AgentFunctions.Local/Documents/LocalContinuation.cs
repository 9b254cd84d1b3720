using System.Buffers.Text;
using System.Text;
using AgentFunctions.Storage;

namespace AgentFunctions.Local.Documents;

/// <summary>
/// The local store's continuation: the last id of the page and its direction, <c>a.</c> or <c>d.</c> then the id in base64url.
/// A token for the other direction, or one that does not decode, is refused.
/// </summary>
internal static class LocalContinuation
{
    public static string Encode(string lastId, bool descending) =>
        (descending ? "d." : "a.") + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastId));

    public static string Decode(string continuation, bool descending)
    {
        var prefix = descending ? "d." : "a.";
        if (!continuation.StartsWith(prefix, StringComparison.Ordinal) || continuation.Length == prefix.Length)
        {
            throw new InvalidContinuationException("The continuation was not issued for this query.");
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(continuation.AsSpan(prefix.Length)));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new InvalidContinuationException("The continuation is malformed.");
        }
    }

    /// <summary>A partition scan's continuation: after the record <paramref name="last"/>, in (kind, id) order.</summary>
    public static string EncodeScan(StoredDocument last) => Encode(last.Kind + ":" + last.Id, descending: false);

    /// <summary>The (kind, id) a scan continues after; kinds are snake_case, so the first colon ends the kind.</summary>
    public static (string Kind, string Id) DecodeScan(string continuation)
    {
        var key = Decode(continuation, descending: false);
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? (key[..colon], key[(colon + 1)..]) : throw new InvalidContinuationException("The continuation was not issued for this scan.");
    }
}
