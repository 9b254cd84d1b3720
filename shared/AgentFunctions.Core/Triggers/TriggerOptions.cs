namespace AgentFunctions.Triggers;

/// <summary>
/// A trigger's settings. Which fields apply depends on its system: <c>timer</c> takes <see cref="Cron"/>,
/// <see cref="TimeZone"/> and <see cref="CatchUp"/>; <c>http_poll</c> takes <see cref="Url"/>, <see cref="ItemsPath"/>,
/// <see cref="IdField"/>, <see cref="TimestampField"/>, <see cref="IntervalSeconds"/> and <see cref="Backfill"/>;
/// <c>hubspot</c> takes <see cref="ObjectType"/> (contacts, companies, deals, tickets; default contacts); <c>gmail</c>
/// takes <see cref="LabelId"/> (default INBOX); polling systems take <see cref="IntervalSeconds"/> and <see cref="Backfill"/>;
/// any system takes <see cref="InputTemplate"/>.
/// </summary>
public sealed record TriggerOptions(
    string? Cron = null,
    string? TimeZone = null,
    CatchUpPolicy? CatchUp = null,
    string? Url = null,
    string? ItemsPath = null,
    string? IdField = null,
    string? TimestampField = null,
    int? IntervalSeconds = null,
    bool? Backfill = null,
    string? InputTemplate = null,
    string? ObjectType = null,
    string? LabelId = null)
{
    public static readonly TriggerOptions None = new();
}
