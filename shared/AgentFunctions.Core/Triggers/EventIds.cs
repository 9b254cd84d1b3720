using System.Security.Cryptography;
using System.Text;

namespace AgentFunctions.Triggers;

/// <summary>
/// Ids derived from what caused an event, so the same cause always gives the same id: a redelivered webhook, a tick
/// replayed by a second instance, an item seen by two polls. The run an event starts gets an id derived from the event.
/// </summary>
public static class EventIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string ForWebhook(string triggerId, string webhookId) => Derive("evt", $"webhook\n{triggerId}\n{webhookId}");

    public static string ForSchedule(string triggerId, DateTimeOffset instant) => Derive("evt", $"timer\n{triggerId}\n{instant.UtcTicks}");

    public static string ForItem(string triggerId, string itemId) => Derive("evt", $"item\n{triggerId}\n{itemId}");

    /// <summary>Time-ordered like every run id (the agent's runs list pages newest first by id), and derived from the event.</summary>
    public static string RunFor(TriggerEvent e) => $"run_{e.Timestamp.UtcTicks:x16}{Derive("x", "event\n" + e.Id)[2..12]}";

    private static string Derive(string prefix, string source)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(source), hash);
        var text = new StringBuilder(prefix.Length + 27).Append(prefix).Append('_');
        // 26 characters of 5 bits: 130 bits of the hash.
        for (var i = 0; i < 26; i++)
        {
            var bit = i * 5;
            var value = ((hash[bit / 8] << 8 | hash[bit / 8 + 1]) >> (11 - bit % 8)) & 31;
            text.Append(Alphabet[value]);
        }
        return text.ToString();
    }
}
