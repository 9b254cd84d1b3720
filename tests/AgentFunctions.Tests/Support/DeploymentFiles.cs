namespace AgentFunctions.Tests.Support;

/// <summary>The repository checkout the tests run from (the folder holding AgentFunctions.sln).</summary>
public static class DeploymentFiles
{
    public static string Root { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentFunctions.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("AgentFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
