namespace AgentFunctions.Credentials;

/// <summary>A stored secret that cannot be read: failed authentication (tampered or moved), or a key the keyring lacks. Never carries the value.</summary>
public sealed class SecretVaultException(string message, Exception? inner = null) : Exception(message, inner);
