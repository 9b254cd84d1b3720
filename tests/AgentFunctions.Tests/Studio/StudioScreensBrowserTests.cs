namespace AgentFunctions.Tests.Studio;

/// <summary>
/// The Studio's Tools, Credentials, Triggers, Knowledge, Usage and Admin screens in a real browser (studio-core's
/// fixture: Debian's chromium, the built Studio, one local host): one scenario per test, a screenshot per main screen
/// under TestResults/studio, no serious or critical axe-core violation on any of them.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioScreensBrowserTests(StudioFixture studio)
{
    [Fact]
    public async Task Triggers_CreateAWebhook_SignInNodeWithTheSecretShownOnce_TheEventIsListed()
    {
        var result = await studio.RunScenarioAsync("triggers");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["triggers-timer", "triggers-webhook-secret", "trigger"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("a timer previews five fire times at 08:30 Paris time", result.PassedChecks);
        Assert.Contains("the browser's curl example is signed exactly as node signs it", result.PassedChecks);
        Assert.Contains("the secret is gone from the page once the dialog closes", result.PassedChecks);
        Assert.Contains("the signed delivery is accepted (202)", result.PassedChecks);
        Assert.Contains("the event is in the trigger's event list", result.PassedChecks);
        Assert.True(File.Exists(Path.Combine(studio.OutputDirectory, "triggers-trigger.png")));
    }

    [Fact]
    public async Task Knowledge_UploadByFileInputAndByDrop_StatusTurnsIndexedLive_QueryShowsScoresAndCitations()
    {
        var result = await studio.RunScenarioAsync("knowledge");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["knowledge-base-empty", "knowledge-base", "knowledge"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("both documents became indexed while the screen was open", result.PassedChecks);
        Assert.Contains("the best chunk is the refund paragraph", result.PassedChecks);
        Assert.Contains("the hit shows its score", result.PassedChecks);
        Assert.Contains("the hit cites its document and heading", result.PassedChecks);
    }

    [Fact]
    public async Task Usage_AfterARun_TheTokensChartIsDrawnWithTheModel_LimitsAndInvoiceLinesShow()
    {
        var result = await studio.RunScenarioAsync("usage");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["usage"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the tokens chart's data has the model", result.PassedChecks);
        Assert.Contains("the tokens chart's canvas is drawn", result.PassedChecks);
        Assert.Contains("the tool-calls chart names the agent", result.PassedChecks);
        Assert.Contains("the budget row shows tokens used", result.PassedChecks);
        Assert.Contains("the invoice draft shows its lines", result.PassedChecks);
    }

    [Fact]
    public async Task Admin_AddAUser_CreateAKey_ShownOnceAndWorking_ThenOnlyItsPrefix_AViewerSeesNoControlsAndA403()
    {
        var result = await studio.RunScenarioAsync("admin");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["admin-key-once", "admin", "viewer-usage-403"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("the key shown works", result.PassedChecks);
        Assert.Contains("the key is shown once: gone from the page after the dialog", result.PassedChecks);
        Assert.Contains("the list shows only its prefix", result.PassedChecks);
        Assert.Contains("a viewer sees no Register button", result.PassedChecks);
        Assert.Contains("a viewer sees no Create trigger button", result.PassedChecks);
        Assert.Contains("a viewer opening Usage sees a clear 403", result.PassedChecks);
    }

    [Fact]
    public async Task ToolsAndCredentials_BadSchemaFlaggedOnItsField_ToolRegisters_SecretNeverShownAgain()
    {
        var result = await studio.RunScenarioAsync("tools");

        Assert.True(result.Ok, result.ToString());
        Assert.Equal(["tools-editor", "tools", "credentials"], result.Screens);
        Assert.Equal(0, result.BlockingViolations);
        Assert.Contains("a bad schema is flagged on the schema field", result.PassedChecks);
        Assert.Contains("the tool registered", result.PassedChecks);
        Assert.Contains("the secret is never shown again", result.PassedChecks);
    }
}
