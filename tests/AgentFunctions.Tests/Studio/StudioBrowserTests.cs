namespace AgentFunctions.Tests.Studio;

/// <summary>
/// The Agent Studio in a real browser (Debian's chromium through playwright-core): one scenario per test, each saving a
/// screenshot per main screen under TestResults/studio and failing on any serious or critical axe-core violation.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioBrowserTests(StudioFixture studio)
{
    [Fact]
    public async Task SignIn_WrongKeyRefused_RightKeyShowsTenantAndRole_NavWorksFromKeyboard()
    {
        var result = await studio.RunScenarioAsync("signin");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["signin", "me"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("a wrong key shows a 401 alert", result.PassedChecks);
        Assert.Contains("header shows the role", result.PassedChecks);
        Assert.Contains(result.PassedChecks, c => c.StartsWith("Tab reaches", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(studio.OutputDirectory, "signin-me.png")));
    }
}
