using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Runs a registry HTTP tool: URL from the template, host allowlist on the final URL, static headers, the credential
/// header at the moment of use, a JSON body of the remaining arguments for POST/PUT/PATCH (query parameters for the
/// other methods), the network guard at connect time, and no redirects followed.
/// </summary>
public sealed class HttpToolRunner(GuardedSender sender, CredentialResolver credentials, ToolExecutionOptions options)
{
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "Proxy-Authorization", "TE", "Trailer", "Keep-Alive",
    };

    public async Task<ToolOutcome> RunAsync(ToolCallScope scope, HttpToolSpec spec, CancellationToken cancellationToken)
    {
        using var arguments = JsonDocument.Parse(string.IsNullOrWhiteSpace(scope.Invocation.ArgumentsJson) ? "{}" : scope.Invocation.ArgumentsJson);
        var method = new HttpMethod(spec.Method.Trim().ToUpperInvariant());
        var (url, used) = UrlTemplate.Fill(spec.UrlTemplate, arguments.RootElement);
        var hasBody = method == HttpMethod.Post || method == HttpMethod.Put || method == HttpMethod.Patch;
        if (!hasBody)
        {
            url = UrlTemplate.AppendQuery(url, arguments.RootElement, used);
        }
        if (!HostAllowlist.Allows(spec.AllowedHosts, url))
        {
            throw new ToolCallException($"host '{url.Host}' is not in the tool's allowed hosts");
        }

        (string Name, string Value)? credential = spec.CredentialId is { Length: > 0 } credentialId
            ? await credentials.HeaderAsync(scope, credentialId, spec.CredentialPlacement, url, cancellationToken).ConfigureAwait(false)
            : null;
        var body = hasBody ? RemainingArguments(arguments.RootElement, used) : null;

        HttpRequestMessage Create()
        {
            var request = new HttpRequestMessage(method, url);
            foreach (var (name, value) in spec.Headers ?? new Dictionary<string, string>())
            {
                if (value.Any(c => c is '\r' or '\n')) throw new ToolCallException($"header '{name}' has a line break");
                if (ReservedHeaders.Contains(name)) throw new ToolCallException($"header '{name}' is set by the platform, not the tool");
                request.Headers.TryAddWithoutValidation(name, value);
            }
            if (credential is { } header)
            {
                request.Headers.Remove(header.Name);
                request.Headers.TryAddWithoutValidation(header.Name, header.Value);
            }
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }
            if (!GuardedSender.IsIdempotent(method) && !request.Headers.Contains("Idempotency-Key"))
            {
                // A durable run may repeat an activity after a crash; servers that honour the key apply the call once.
                request.Headers.TryAddWithoutValidation("Idempotency-Key", scope.Invocation.RunId + ":" + scope.Invocation.CallId);
            }
            if (request.Headers.Accept.Count == 0)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*", 0.5));
            }
            return request;
        }

        var (response, attempts) = await sender.SendAsync(Create, scope.Target.Retries, scope.Target.Name, cancellationToken).ConfigureAwait(false);
        scope.Attempts = attempts;
        using (response)
        {
            return await ToOutcomeAsync(response, options.MaxResponseBytes, cancellationToken, scope.Scrubber.Scrub).ConfigureAwait(false);
        }
    }

    /// <summary>2xx: the body. Redirects are reported, not followed. Anything else: status and the start of the body.</summary>
    /// <remarks><paramref name="scrub"/> runs on the whole body before an excerpt is cut, so a cut cannot leave half a secret.</remarks>
    public static async Task<ToolOutcome> ToOutcomeAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken, Func<string, string>? scrub = null)
    {
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            return ToolOutcome.Failed($"HTTP {status}: the tool answered with a redirect, which is not followed");
        }
        var text = await ResponseBody.ReadAsync(response, maxBytes, cancellationToken).ConfigureAwait(false);
        if (scrub is not null) text = scrub(text);
        if (response.IsSuccessStatusCode)
        {
            return ToolOutcome.Ok(text);
        }
        var excerpt = text.Length > 1000 ? text[..1000] : text;
        return ToolOutcome.Failed($"HTTP {status} {ReasonOf(response.StatusCode)}: {excerpt}".TrimEnd(' ', ':'));
    }

    private static string ReasonOf(HttpStatusCode status) => status.ToString();

    private static string RemainingArguments(JsonElement arguments, IReadOnlySet<string> used)
    {
        var body = new JsonObject();
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in arguments.EnumerateObject())
            {
                if (!used.Contains(property.Name)) body[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }
        return body.ToJsonString(ToolJson.Relaxed);
    }
}
