using System.Collections.Concurrent;
using AgentFunctions.Common;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Per tenant and tool: at most N calls in any sliding minute (the tool's RateLimitPerMinute). In memory per instance:
/// it protects the called system from a looping agent, it is not a billing quota.
/// </summary>
public sealed class ToolRateLimiter(TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<(TenantId, string), Queue<DateTimeOffset>> calls = new();

    /// <summary>Records a call and returns true, or returns false when the limit is reached (nothing recorded).</summary>
    public bool TryAcquire(TenantId tenant, string toolName, int? limitPerMinute)
    {
        if (limitPerMinute is not > 0) return true;
        var now = time.GetUtcNow();
        var queue = calls.GetOrAdd((tenant, toolName), _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() >= Window)
            {
                queue.Dequeue();
            }
            if (queue.Count >= limitPerMinute.Value) return false;
            queue.Enqueue(now);
            return true;
        }
    }
}
