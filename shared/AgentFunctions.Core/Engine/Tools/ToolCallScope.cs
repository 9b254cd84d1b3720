using System.Text.Json;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// One tool call in flight: what runs, and the secret values it touched. Everything recorded about the call (arguments,
/// result, error, log lines) goes through <see cref="Scrubber"/> once a credential was injected.
/// </summary>
public sealed class ToolCallScope(ToolInvocation invocation, ToolTarget target)
{
    /// <summary>String values of a credential shorter than this are not scrubbed (e.g. a region code beside a token).</summary>
    public const int MinCredentialFieldLength = 8;

    public ToolInvocation Invocation { get; } = invocation;

    public ToolTarget Target { get; } = target;

    public int Attempts { get; set; }

    public SecretScrubber Scrubber { get; } = new();

    /// <summary>The value actually injected (the picked field, the formatted header).</summary>
    public void RememberSecret(string value) => Scrubber.Add(value);

    /// <summary>Every string of the credential's secret object, not only the field that was sent.</summary>
    public void RememberSecretValues(JsonElement secret) => Scrubber.AddStrings(secret, MinCredentialFieldLength);
}
