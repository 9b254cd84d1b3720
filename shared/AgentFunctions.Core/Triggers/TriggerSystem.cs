namespace AgentFunctions.Triggers;

/// <summary>Where a trigger's events come from.</summary>
public enum TriggerSystem
{
    Webhook,
    Timer,
    HttpPoll,
    Gmail,
    Hubspot,
}

/// <summary>What a timer does with instants it missed while the platform was down.</summary>
public enum CatchUpPolicy
{
    /// <summary>Missed instants are not fired; the next one is.</summary>
    Skip,

    /// <summary>One event for the latest missed instant, however many were missed.</summary>
    FireOnce,
}
