namespace AgentFunctions.Knowledge;

public enum SearchMode
{
    Hybrid,
    Keyword,
    Vector,
}
