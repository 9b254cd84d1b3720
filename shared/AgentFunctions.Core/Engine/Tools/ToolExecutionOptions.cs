namespace AgentFunctions.Engine.Tools;

/// <summary>Platform-wide limits for tool calls; a tool's own settings (timeout, retries, rate) apply within these.</summary>
public sealed class ToolExecutionOptions
{
    public const int DefaultMaxResponseBytes = 256 * 1024;
    public const int DefaultTimeoutSeconds = 30;
    public const int MaxTimeoutSeconds = 300;
    public const int MaxRetries = 5;
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultMcpListCacheDuration = TimeSpan.FromMinutes(1);

    /// <summary>Largest tool response body read; a bigger one fails the call rather than feeding the model a fragment.</summary>
    public int MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>Used when a tool's own timeout is 0 (builtins, or a registry entry without one).</summary>
    public int DefaultToolTimeoutSeconds { get; set; } = DefaultTimeoutSeconds;

    /// <summary>First retry delay; each further retry doubles it (with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = DefaultRetryBaseDelay;

    /// <summary>How long an MCP server's tool list is reused before it is listed again.</summary>
    public TimeSpan McpListCacheDuration { get; set; } = DefaultMcpListCacheDuration;

    /// <summary>
    /// The private hosts, addresses and CIDR ranges tools may reach (<c>AgentFunctions:Network:AllowedPrivateHosts</c>);
    /// empty: none. A deployment setting, never a tenant's: see <see cref="PrivateNetworkAllowlist"/>.
    /// </summary>
    public IReadOnlyList<string> AllowedPrivateHosts { get; set; } = [];

    public void Validate()
    {
        if (MaxResponseBytes is < 1024 or > 64 * 1024 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxResponseBytes), "must be between 1 KiB and 64 MiB");
        if (DefaultToolTimeoutSeconds is < 1 or > MaxTimeoutSeconds) throw new ArgumentOutOfRangeException(nameof(DefaultToolTimeoutSeconds), "must be between 1 and 300");
        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromSeconds(30)) throw new ArgumentOutOfRangeException(nameof(RetryBaseDelay), "must be between 0 and 30 s");
        if (McpListCacheDuration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(McpListCacheDuration), "must not be negative");
        _ = new PrivateNetworkAllowlist(AllowedPrivateHosts);
    }
}
