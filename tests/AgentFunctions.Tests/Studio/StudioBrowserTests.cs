namespace AgentFunctions.Tests.Studio;

/// <summary>
/// The Agent Studio in a real browser (Debian's chromium through playwright-core): one scenario per test, each saving a
/// screenshot per main screen under TestResults/studio and failing on any serious or critical axe-core violation.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioBrowserTests(StudioFixture studio)
{
    [Fact]
    public async Task SignIn_WrongKeyRefused_RightKeyShowsTenantAndRole_NavWorksFromKeyboard_ViewerSeesLessAnd403()
    {
        var result = await studio.RunScenarioAsync("signin");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["signin", "me", "forbidden"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("a wrong key shows a 401 alert", result.PassedChecks);
        Assert.Contains("header shows the role", result.PassedChecks);
        Assert.Contains(result.PassedChecks, c => c.StartsWith("Tab reaches", StringComparison.Ordinal));
        Assert.Contains("a viewer gets no \"New agent\" button", result.PassedChecks);
        Assert.Contains("a screen the role may not use shows a 403", result.PassedChecks);
        Assert.True(File.Exists(Path.Combine(studio.OutputDirectory, "signin-me.png")));
    }

    [Fact]
    public async Task Agents_CreateWithFieldErrorThenValid_EditDiffRollback_DisableEnable_ListPages()
    {
        var result = await studio.RunScenarioAsync("agents");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["agents", "agent-new-errors", "agent-versions", "agent"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the API's error is placed on the Loops field", result.PassedChecks);
        Assert.Contains("every field was sent", result.PassedChecks);
        Assert.Contains("the diff shows the changed prompt", result.PassedChecks);
        Assert.Contains("rollback restored version 1's prompt", result.PassedChecks);
        Assert.Contains("\"More\" pages through every agent", result.PassedChecks);
    }

    [Fact]
    public async Task Chat_StepsStreamBeforeTheAnswer_ToolCallExpands_RunTimelineOpens()
    {
        var result = await studio.RunScenarioAsync("chat");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["chat-empty", "chat", "run"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the steps streamed: model call, tool call, model call, finished", result.PassedChecks);
        Assert.Contains("each step reached the page before the answer", result.PassedChecks);
        Assert.Contains("the tool call opens to its arguments and result", result.PassedChecks);
    }

    [Fact]
    public async Task Approval_RunPausesForApprovalTool_ListedByStatusFilter_ApproveLetsItFinish()
    {
        var result = await studio.RunScenarioAsync("approval");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["runs", "run-awaiting-approval", "run-approved"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the filter lists the paused run", result.PassedChecks);
        Assert.Contains("the timeline shows the approval and the tool call after it", result.PassedChecks);
    }
}
