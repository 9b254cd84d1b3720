using System.Security.Cryptography;

namespace AgentFunctions.Common;

/// <summary>Prefixed, URL-safe random identifiers: <c>agt_5k2m...</c>. The prefix tells a reader what an id names.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string New(string prefix, int randomChars = 20)
    {
        Span<byte> bytes = stackalloc byte[randomChars];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(prefix.Length + 1 + randomChars, (prefix, bytes.ToArray()), static (span, state) =>
        {
            state.prefix.AsSpan().CopyTo(span);
            span[state.prefix.Length] = '_';
            for (var i = 0; i < state.Item2.Length; i++)
            {
                span[state.prefix.Length + 1 + i] = Alphabet[state.Item2[i] & 31];
            }
        });
    }

    /// <summary>
    /// An id that sorts by creation time (<c>run_{ticks:x16}{random}</c>), for records listed newest first: the store pages
    /// in id order, so the time must lead. Same alphabet and shape rules as <see cref="New"/>.
    /// </summary>
    public static string NewSortable(string prefix, DateTimeOffset at, int randomChars = 10) =>
        $"{prefix}_{at.UtcTicks:x16}{New("x", randomChars)[2..]}";

    /// <summary>True when <paramref name="id"/> could be an id we issued: short, ASCII, no path or query characters.</summary>
    public static bool LooksValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
