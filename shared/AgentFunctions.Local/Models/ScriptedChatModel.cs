using System.Text;
using AgentFunctions.Engine.Models;

namespace AgentFunctions.Local.Models;

/// <summary>
/// The offline model (<c>offline</c>, <c>scripted:*</c>): deterministic, no key, no network. It follows a script of
/// instruction lines found in the agent's system prompt (including its rules) and then in the latest user message:
/// <list type="bullet">
/// <item><c>/call tool.name {"arg":1}</c> — one step that asks for that tool call (arguments default to <c>{}</c>).</item>
/// <item><c>/also tool.name {...}</c> — another call in the same step (several calls in one answer).</item>
/// <item><c>/repeat 3 tool.name {...}</c> — three steps, each calling the tool once.</item>
/// <item><c>/answer text</c> — the final answer (default: the user's text echoed, then each tool result of this turn).</item>
/// <item><c>/tokens 500</c> — report 500 output tokens per answer (default: about a token per four characters).</item>
/// <item><c>/fail message</c> — the model call fails with that message.</item>
/// </list>
/// The model is at step N when N assistant messages follow the latest user message; past the last step it answers.
/// Retrieved context is never read for instructions: only the first system message and the latest user message are.
/// </summary>
public sealed class ScriptedChatModel : IChatModel
{
    public Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lastUser = -1;
        for (var i = request.Messages.Count - 1; i >= 0; i--)
        {
            if (request.Messages[i].Role == ChatRole.User)
            {
                lastUser = i;
                break;
            }
        }
        var system = request.Messages.Count > 0 && request.Messages[0].Role == ChatRole.System ? request.Messages[0].Content : null;
        var user = lastUser >= 0 ? request.Messages[lastUser].Content ?? string.Empty : string.Empty;
        var script = Script.Parse(system, user);
        if (script.Failure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        var step = 0;
        var inputCharacters = 0;
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            inputCharacters += message.Content?.Length ?? 0;
            if (i > lastUser && message.Role == ChatRole.Assistant) step++;
        }

        var inputTokens = 1 + inputCharacters / 4;
        if (step < script.Steps.Count)
        {
            var calls = script.Steps[step]
                .Select((call, j) => new ToolCall($"call_{step}_{j}", ToolSchema.ToWireName(call.Tool), call.Arguments))
                .ToList();
            var output = script.Tokens ?? 1 + calls.Sum(c => c.ArgumentsJson.Length + c.Name.Length) / 4;
            return Task.FromResult(new ChatCompletion(null, calls, new TokenUsage(inputTokens, output), "tool_calls", TimeSpan.Zero, request.Model));
        }

        var answer = script.Answer ?? ("You said: " + script.UserText + ToolResults(request.Messages, lastUser));
        return Task.FromResult(new ChatCompletion(answer, [], new TokenUsage(inputTokens, script.Tokens ?? 1 + answer.Length / 4), "stop", TimeSpan.Zero, request.Model));
    }

    /// <summary>This turn's tool results, each on its own line as <c>tool: result</c>; built only for the default answer.</summary>
    private static string ToolResults(IReadOnlyList<ChatMessage> messages, int lastUser)
    {
        var results = new StringBuilder();
        for (var i = lastUser + 1; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == ChatRole.Tool) results.Append('\n').Append(ToolNameOf(messages, message.ToolCallId)).Append(": ").Append(message.Content);
        }
        return results.ToString();
    }

    private static string ToolNameOf(IReadOnlyList<ChatMessage> messages, string? callId)
    {
        foreach (var message in messages)
        {
            if (message.ToolCalls is null) continue;
            foreach (var call in message.ToolCalls)
            {
                if (call.Id == callId) return ToolSchema.FromWireName(call.Name);
            }
        }
        return "tool";
    }

    private sealed record ScriptedCall(string Tool, string Arguments);

    private sealed class Script
    {
        public List<List<ScriptedCall>> Steps { get; } = [];

        public string? Answer { get; private set; }

        public int? Tokens { get; private set; }

        public string? Failure { get; private set; }

        public string UserText { get; private set; } = string.Empty;

        private const int CacheLimit = 256;
        private const int CachedTextLimit = 16 * 1024;

        // A run's model calls read the same system prompt and user message every step: the script is parsed once per
        // pair of texts (a parsed script is never changed after Parse).
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string System, string User), Script> Parsed = new();

        public static Script Parse(string? system, string user)
        {
            var key = (system ?? string.Empty, user);
            if (Parsed.TryGetValue(key, out var cached)) return cached;
            var script = ParseNew(system, user);
            if (key.Item1.Length + user.Length > CachedTextLimit) return script;
            if (Parsed.Count >= CacheLimit) Parsed.Clear();
            Parsed[key] = script;
            return script;
        }

        private static Script ParseNew(string? system, string user)
        {
            var script = new Script();
            script.Read(system ?? string.Empty, keepText: false);
            script.UserText = script.Read(user, keepText: true);
            return script;
        }

        private string Read(string text, bool keepText)
        {
            var plain = new StringBuilder();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                // Rules arrive as "- /call ..." list items in the system prompt.
                if (line.StartsWith("- /", StringComparison.Ordinal)) line = line[2..];
                if (!line.StartsWith('/'))
                {
                    if (keepText && line.Length > 0) plain.Append(plain.Length > 0 ? " " : string.Empty).Append(line);
                    continue;
                }
                var (command, rest) = Split(line[1..]);
                switch (command)
                {
                    case "call":
                        Steps.Add([Call(rest)]);
                        break;
                    case "also" when Steps.Count > 0:
                        Steps[^1].Add(Call(rest));
                        break;
                    case "also":
                        Steps.Add([Call(rest)]);
                        break;
                    case "repeat":
                        var (count, call) = Split(rest);
                        if (int.TryParse(count, out var n))
                        {
                            for (var i = 0; i < Math.Min(n, 1000); i++) Steps.Add([Call(call)]);
                        }
                        break;
                    case "answer":
                        Answer = rest;
                        break;
                    case "tokens" when int.TryParse(rest, out var tokens):
                        Tokens = tokens;
                        break;
                    case "fail":
                        Failure = rest.Length > 0 ? rest : "scripted failure";
                        break;
                    default:
                        if (keepText) plain.Append(plain.Length > 0 ? " " : string.Empty).Append(line);
                        break;
                }
            }
            return plain.ToString();
        }

        private static ScriptedCall Call(string rest)
        {
            var (tool, arguments) = Split(rest);
            return new ScriptedCall(tool, arguments.Length > 0 ? arguments : "{}");
        }

        private static (string Head, string Tail) Split(string text)
        {
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? (text.Trim(), string.Empty) : (text[..space].Trim(), text[(space + 1)..].Trim());
        }
    }
}
