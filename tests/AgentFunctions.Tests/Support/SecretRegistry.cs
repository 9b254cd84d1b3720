using System.Collections.Concurrent;

namespace AgentFunctions.Tests.Support;

/// <summary>Every secret value a test stored, process-wide; the leak test looks for each of them in <see cref="CapturedLogs"/>.</summary>
public static class SecretRegistry
{
    private static readonly ConcurrentDictionary<string, byte> Values = new(StringComparer.Ordinal);

    /// <summary>Registers and returns a distinctive value: <paramref name="label"/> plus random text no log line could contain by chance.</summary>
    public static string New(string label)
    {
        var value = $"{label}-SECRET-{Guid.NewGuid():N}";
        Values.TryAdd(value, 0);
        return value;
    }

    public static IReadOnlyCollection<string> All => Values.Keys.ToArray();
}
