using AgentFunctions.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Opens an MCP client session (streamable HTTP) to a registry entry's server through the guarded HttpClient, so the
/// host allowlist and the network guard (with the platform's private-host setting) apply exactly as for HTTP tools.
/// The SDK gets no logger: at Debug and Trace it writes whole protocol messages (arguments, results, a server's echo of
/// a secret) before any redaction; the executor logs each call itself, redacted and scrubbed.
/// </summary>
public sealed class McpConnector(IGuardedHttpClients clients)
{
    private static readonly ILoggerFactory SdkLogs = NullLoggerFactory.Instance;

    public const string ProtocolVersion = "2025-11-25";

    /// <summary>The server's URL, checked to be an absolute http(s) URL without user info.</summary>
    public static Uri EndpointOf(McpToolSpec spec) =>
        Uri.TryCreate(spec.ServerUrl, UriKind.Absolute, out var endpoint) && HostAllowlist.IsCallable(endpoint)
            ? endpoint
            : throw new ToolCallException("the MCP server URL is not an absolute http(s) URL");

    public async Task<McpClient> ConnectAsync(McpToolSpec spec, (string Name, string Value)? credentialHeader, CancellationToken cancellationToken)
    {
        var endpoint = EndpointOf(spec);
        if (!HostAllowlist.Allows(spec.AllowedHosts, endpoint))
        {
            throw new ToolCallException($"MCP server host '{endpoint.Host}' is not in the tool's allowed hosts");
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (credentialHeader is { } header)
        {
            headers[header.Name] = header.Value;
        }
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
                // A tool call is one request/response; an unsolicited server stream would only hold a connection open.
                EnableStandaloneGetStream = false,
                Name = "agentfunctions-tools",
            },
            clients.Get(),
            SdkLogs,
            ownsHttpClient: false);
        try
        {
            return await McpClient.CreateAsync(
                transport,
                new McpClientOptions
                {
                    ClientInfo = new() { Name = "AgentFunctions", Version = "1.0" },
                    // Pinned to the widely deployed revision: the newest one first probes server/discover, an extra
                    // round trip on every call since each tool call opens its own session.
                    ProtocolVersion = ProtocolVersion,
                },
                SdkLogs,
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
