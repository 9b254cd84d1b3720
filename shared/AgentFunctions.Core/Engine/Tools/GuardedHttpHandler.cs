using System.Net;
using System.Net.Sockets;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Builds the socket handler every tool request goes through. Its connect callback resolves the host itself, checks
/// every address with <see cref="NetworkGuard"/> and connects to the checked IP, so a DNS answer that changes between
/// a check and the connect (rebinding) cannot slip through. No proxy (it would connect on our behalf, unchecked) and
/// no automatic redirects (a redirect could point anywhere).
/// </summary>
public static class GuardedHttpHandler
{
    public static SocketsHttpHandler Create(IHostResolver resolver, PrivateNetworkAllowlist privateHosts) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(resolver, privateHosts, context.DnsEndPoint, cancellationToken),
    };

    internal static async ValueTask<Stream> ConnectAsync(IHostResolver resolver, PrivateNetworkAllowlist privateHosts, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var addresses = await ResolveCheckedAsync(resolver, privateHosts, endPoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// Resolves <paramref name="host"/> (or parses it when it is an IP literal) and refuses it when ANY answer is
    /// blocked: a name with one public and one internal record is treated as internal.
    /// </summary>
    public static async Task<IPAddress[]> ResolveCheckedAsync(IHostResolver resolver, PrivateNetworkAllowlist privateHosts, string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var addresses = IPAddress.TryParse(bare, out var literal)
            ? [literal]
            : await resolver.ResolveAsync(bare, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new BlockedDestinationException(host, "the name does not resolve");
        }
        foreach (var address in addresses)
        {
            if (NetworkGuard.Refusal(address, bare, privateHosts) is { } reason)
            {
                throw new BlockedDestinationException(host, reason);
            }
        }
        return addresses;
    }
}
