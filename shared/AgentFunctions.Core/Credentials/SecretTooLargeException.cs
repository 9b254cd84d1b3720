namespace AgentFunctions.Credentials;

/// <summary>The vault cannot hold a value this large (Key Vault caps a secret at 25 KB even after compression).</summary>
public sealed class SecretTooLargeException(int maxBytes) : Exception($"The secret is too large for this vault (at most {maxBytes} bytes).")
{
    public int MaxBytes { get; } = maxBytes;
}
