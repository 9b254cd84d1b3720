using System.Text;
using AgentFunctions.Api.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace AgentFunctions.LocalHost;

/// <summary>
/// Serves the Agent Studio (the static single-page app built from functions/AgentFunctions.Studio) at <c>/studio</c>,
/// from the same process as the API, so the README's run command serves it. The build copies the Studio's
/// <c>dist/</c> to the host's output <c>studio/</c>; <c>AgentFunctions:StudioPath</c> points elsewhere (the tests point it
/// at the Studio's own dist/). Outside /api: a local-host page, not a route of the API.
/// </summary>
public static class StudioEndpoints
{
    public const string PathSetting = "AgentFunctions:StudioPath";
    public const string RequestPath = "/studio";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static WebApplication MapStudio(this WebApplication app)
    {
        var folder = Path.GetFullPath(app.Configuration[PathSetting] ?? Path.Combine(AppContext.BaseDirectory, "studio"));
        app.MapMethods(RequestPath, ["GET", "HEAD"], (HttpContext http) => Serve(http, folder, "index.html"));
        app.MapMethods(RequestPath + "/{**file}", ["GET", "HEAD"], (HttpContext http, string? file) => Serve(http, folder, file));
        return app;
    }

    private static IResult Serve(HttpContext http, string folder, string? file)
    {
        var index = Path.Combine(folder, "index.html");
        if (!File.Exists(index))
        {
            return Problems.Status(StatusCodes.Status503ServiceUnavailable, "Studio not built",
                $"The Agent Studio was not built: no index.html in {folder}. Install Node.js with npm and build the local host again " +
                "(dotnet build functions/AgentFunctions.LocalHost runs npm ci and npm run build in functions/AgentFunctions.Studio).");
        }
        var relative = string.IsNullOrEmpty(file) ? "index.html" : file;
        var provider = new PhysicalFileProvider(folder);
        var info = provider.GetFileInfo(relative);
        if (!info.Exists || info.IsDirectory || info.PhysicalPath is null)
        {
            return Problems.NotFound($"The Studio has no file {relative}.");
        }
        if (relative == "index.html")
        {
            // The app's own files load relative to /studio/ even when the page is /studio (no slash).
            http.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
            var html = File.ReadAllText(info.PhysicalPath, Encoding.UTF8)
                .Replace("<head>", "<head>\n  <base href=\"" + RequestPath + "/\">", StringComparison.Ordinal);
            return Results.Content(html, "text/html; charset=utf-8");
        }
        var contentType = ContentTypes.TryGetContentType(relative, out var type) ? type : "application/octet-stream";
        if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "application/json")
        {
            contentType += "; charset=utf-8";
        }
        return Results.File(info.PhysicalPath, contentType, enableRangeProcessing: false);
    }
}
