namespace AgentFunctions.Knowledge;

public enum DocumentStatus
{
    Indexing,
    Indexed,
    Failed,
}
