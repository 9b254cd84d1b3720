namespace AgentFunctions.Access;

public enum Role
{
    Viewer = 0,
    Operator = 1,
    Admin = 2,
}
