namespace AgentFunctions.Credentials;

public enum CredentialAuditAction
{
    Create,
    Read,
    Use,
    Rotate,
    Delete,
    Update,
}
