using System.Security.Cryptography;
using System.Text;

// The yardstick for the API load figure: a bare minimal-API endpoint that only hashes the presented key and returns
// a record, with no store, no auth lookup and no problem handling. scripts/load-agents.sh runs it beside the local host.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/api/v1/baseline/{id}", (string id, HttpRequest request) =>
{
    var key = request.Headers.Authorization.ToString();
    var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    return Results.Json(new BaselineRecord(id, hash[..16], "baseline", DateTimeOffset.UnixEpoch));
});
app.Run();

internal sealed record BaselineRecord(string Id, string KeyHash, string Name, DateTimeOffset CreatedAt);
