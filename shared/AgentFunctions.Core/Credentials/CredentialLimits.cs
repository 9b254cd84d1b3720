namespace AgentFunctions.Credentials;

/// <summary>Input limits of the credentials API; the HTTP body cap leaves room for the meta around the largest secret.</summary>
public static class CredentialLimits
{
    public const int MaxSecretBytes = 64 * 1024;
    public const int MaxMetaKeys = 32;
    public const int MaxMetaKeyLength = 64;
    public const int MaxMetaValueLength = 256;
    public const int MaxBodyBytes = 128 * 1024;
    public const int MaxAllowedHosts = 32;
}
