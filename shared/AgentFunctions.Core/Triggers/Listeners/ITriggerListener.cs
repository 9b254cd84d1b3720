namespace AgentFunctions.Triggers.Listeners;

/// <summary>
/// Watches one kind of outside system. The factory gives every group of triggers that share a system, a credential
/// and a resource one listener and one cursor, so two agents watching the same account cause one poll.
/// </summary>
public interface ITriggerListener
{
    TriggerSystem System { get; }

    /// <summary>What the poll reads (a URL, a mailbox, a CRM object type): with the credential, the sharing key.</summary>
    string ResourceOf(Trigger trigger);

    /// <summary>The host the poll sends the credential to: checked against the credential's allowed hosts.</summary>
    string HostOf(Trigger trigger);

    /// <summary>One poll: what is new since <paramref name="cursor"/>, and the cursor after it. Throws on a failed poll.</summary>
    Task<PollResult> PollAsync(ListenerPoll poll, ListenerCursor cursor, CancellationToken cancellationToken);
}

/// <summary>The group being polled: its first trigger's settings, the secret's header (if any) and the HTTP client.</summary>
public sealed record ListenerPoll(Trigger Trigger, string Resource, IReadOnlyList<KeyValuePair<string, string>> Headers, bool Backfill, DateTimeOffset Now);
