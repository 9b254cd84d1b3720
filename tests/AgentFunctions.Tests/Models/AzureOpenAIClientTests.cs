using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Core;
using OpenAI.Chat;

namespace AgentFunctions.Tests.Models;

/// <summary>
/// Does Azure.AI.OpenAI 2.1.0 (built against OpenAI 2.1) work at run time beside the OpenAI 2.15 the app uses? Tried
/// against the loopback chat-completions server with a faked <see cref="TokenCredential"/>: it does not, so the app
/// keeps the OpenAI client on the Azure OpenAI v1 endpoint (docs/deploy.md).
/// </summary>
public sealed class AzureOpenAIClientTests
{
    private sealed class FakeCredential : TokenCredential
    {
        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.Add(requestContext.Scopes);
            return new AccessToken("entra-token-xyz", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task AzureOpenAIClient_2_1_BesideOpenAI_2_15_FailsAtRunTimeBeforeAnyRequest()
    {
        await using var server = await ChatCompletionsServer.StartAsync();
        server.Then(ChatCompletionsServer.Answer("ok"));
        var credential = new FakeCredential();
        var client = new AzureOpenAIClient(new Uri(server.Endpoint, "/"), credential, new AzureOpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
        var chat = client.GetChatClient("chat");

        // Azure.AI.OpenAI 2.1.0 was built against OpenAI 2.1 and calls a member OpenAI 2.15 no longer has. When the
        // registry serves a release built against the app's OpenAI, this fails and the client can be adopted.
        var error = await Assert.ThrowsAsync<MissingMethodException>(() => chat.CompleteChatAsync([new UserChatMessage("Find contact 42")]));

        Assert.Contains("SerializedAdditionalRawData", error.Message);
        Assert.Empty(server.Requests);
    }
}
