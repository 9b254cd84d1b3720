using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Engine.Models;
using AgentFunctions.Engine.Runs;

namespace AgentFunctions.Tests.Engine;

/// <summary>
/// A step's size in the progress custom status is counted from its UTF-8 JSON without building the string; it must
/// equal the count over the string exactly (the size bound in front of Durable's 16 KB custom-status limit relies on it).
/// </summary>
public sealed class StepSizeTests
{
    public static TheoryData<string?> Details => new()
    {
        null,
        "",
        "plain ascii text",
        "quotes \" and \\ backslashes, <tags> & 'apostrophes' + `ticks`",
        "control \n\t\r\u0001 and DEL \u007f",
        "Grüße, 東京, emoji 😀 and a lone surrogate \ud800 end",
        new string('é', 300) + new string('x', 3000),
    };

    [Theory]
    [MemberData(nameof(Details))]
    public void EncodedCharacters_FromUtf8_EqualsTheCountOverTheString(string? detail)
    {
        foreach (var step in new[]
        {
            new RunStep(3, RunStepKind.ToolCall, new DateTimeOffset(2026, 11, 30, 16, 0, 0, TimeSpan.FromHours(1)), "builtin.current_time", "call_1", detail),
            new RunStep(0, RunStepKind.ModelCall, DateTimeOffset.UnixEpoch, Detail: detail, Usage: new TokenUsage(12, 34, 5)),
        })
        {
            Assert.Equal(CountOverString(step), AgentRunOrchestration.EncodedCharacters(step));
        }
    }

    // What the count was before it was taken from the UTF-8 bytes.
    private static int CountOverString(RunStep step)
    {
        var json = JsonSerializer.Serialize(step, PlatformJson.Options);
        var characters = json.Length;
        foreach (var c in json)
        {
            if (c is '"' or '\\') characters += 1;
            else if (c < 0x20 || c > 0x7E || c is '<' or '>' or '&' or '\'' or '+' or '`') characters += 5;
        }
        return characters;
    }
}
