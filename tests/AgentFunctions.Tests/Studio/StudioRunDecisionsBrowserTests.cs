namespace AgentFunctions.Tests.Studio;

/// <summary>
/// The Studio's run decisions and citations in a real browser (the shared fixture): reject and cancel a paused run on
/// its timeline, and follow a chat answer's citation to its document. A screenshot per screen, axe-core on each.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioRunDecisionsBrowserTests(StudioFixture studio)
{
    [Fact]
    public async Task Reject_APausedRun_TheToolIsNeverCalled_TheRunFinishes()
    {
        var result = await studio.RunScenarioAsync("reject");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["run-rejected"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the timeline shows the rejection and no tool call", result.PassedChecks);
        Assert.Contains("the tool call is marked rejected", result.PassedChecks);
        Assert.Contains("no Approve or Reject button is left", result.PassedChecks);
    }

    [Fact]
    public async Task Cancel_APausedRun_EndsCancelledWithWhoCancelledIt()
    {
        var result = await studio.RunScenarioAsync("cancel");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["run-cancelled"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the run says who cancelled it", result.PassedChecks);
        Assert.Contains("no Cancel run, Approve or Reject button is left", result.PassedChecks);
        Assert.Contains("the API agrees: cancelled", result.PassedChecks);
    }

    [Fact]
    public async Task Citation_InAChatAnswer_OpensItsDocumentOnTheKnowledgeScreen()
    {
        var result = await studio.RunScenarioAsync("citation");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["chat-citation", "knowledge-cited"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the answer cites the document", result.PassedChecks);
        Assert.Contains("the link opens the knowledge base with the document", result.PassedChecks);
        Assert.Contains("its row in the list is marked", result.PassedChecks);
        Assert.True(File.Exists(Path.Combine(studio.OutputDirectory, "citation-knowledge-cited.png")));
    }
}
