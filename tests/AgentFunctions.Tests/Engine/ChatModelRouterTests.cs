using AgentFunctions.Engine.Models;
using AgentFunctions.Local.Models;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Engine;

public sealed class ChatModelRouterTests
{
    [Theory]
    [InlineData("offline")]
    [InlineData("scripted:demo")]
    [InlineData("")]
    public void For_OfflineNames_GivesTheScriptedModel(string model)
    {
        var router = CreateSut(remote: null);
        Assert.IsType<ScriptedChatModel>(router.For(model));
    }

    [Fact]
    public void For_OtherModelWithoutEndpoint_ThrowsClearly()
    {
        var router = CreateSut(remote: null);
        var error = Assert.Throws<InvalidOperationException>(() => router.For("gpt-4o-mini"));
        Assert.Contains("gpt-4o-mini", error.Message);
    }

    [Fact]
    public void For_OtherModelWithEndpoint_GivesTheRegisteredModel()
    {
        var remote = new Moq.Mock<IChatModel>().Object;
        Assert.Same(remote, CreateSut(remote).For("gpt-4o-mini"));
    }

    [Fact]
    public async Task Scripted_SameRequest_SameAnswer()
    {
        var model = new ScriptedChatModel();
        var request = new ChatRequest("offline", [ChatMessage.System("sys"), ChatMessage.User("hello\n/call a.b {\"x\":1}")], []);

        var first = await model.CompleteAsync(request);
        var second = await model.CompleteAsync(request);

        var call = Assert.Single(first.ToolCalls);
        Assert.Equal("a__b", call.Name);
        Assert.Equal("{\"x\":1}", call.ArgumentsJson);
        Assert.Equal(first.Usage, second.Usage);
        Assert.Equal(call, Assert.Single(second.ToolCalls));
    }

    private static IChatModelRouter CreateSut(IChatModel? remote)
    {
        var services = new ServiceCollection()
            .AddKeyedSingleton<IChatModel, ScriptedChatModel>(ChatModelRouter.OfflineKey)
            .AddSingleton<IChatModelRouter, ChatModelRouter>();
        if (remote is not null) services.AddSingleton(remote);
        return services.BuildServiceProvider().GetRequiredService<IChatModelRouter>();
    }
}
