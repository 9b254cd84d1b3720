using System.Net;
using AgentFunctions.LocalHost;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Studio;

/// <summary>A small built Studio of its own in a temp folder, one host serving it and one whose Studio was not built.</summary>
public sealed class StudioServingFixture : IDisposable
{
    public StudioServingFixture()
    {
        Directory.CreateDirectory(Path.Combine(Folder, "assets"));
        File.WriteAllText(Path.Combine(Folder, "index.html"), "<!doctype html>\n<html>\n<head>\n<title>t</title>\n</head>\n<body></body>\n</html>\n");
        File.WriteAllText(Path.Combine(Folder, "app.js"), "console.log(1);");
        File.WriteAllText(Path.Combine(Folder, "styles.css"), "body{}");
        File.WriteAllText(Path.Combine(Folder, "assets", "data.json"), "{}");
        File.WriteAllText(Path.Combine(Root, "secret.txt"), "outside");
        Built = new PlatformFactory { Settings = new Dictionary<string, string> { [StudioEndpoints.PathSetting] = Folder } };
        NotBuilt = new PlatformFactory { Settings = new Dictionary<string, string> { [StudioEndpoints.PathSetting] = Path.Combine(Root, "nowhere") } };
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "af-studio-" + Guid.NewGuid().ToString("N"));

    public string Folder => Path.Combine(Root, "dist");

    public PlatformFactory Built { get; }

    public PlatformFactory NotBuilt { get; }

    public void Dispose()
    {
        Built.Dispose();
        NotBuilt.Dispose();
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

/// <summary>How the local host serves the Studio's built files at /studio (no browser).</summary>
public sealed class StudioServingTests(StudioServingFixture fixture) : IClassFixture<StudioServingFixture>
{
    [Theory]
    [InlineData("/studio")]
    [InlineData("/studio/")]
    [InlineData("/studio/index.html")]
    public async Task Index_AtStudioWithOrWithoutSlash_IsHtmlWithBaseAndNotCached(string path)
    {
        var response = await fixture.Built.CreateClient().GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("<base href=\"/studio/\">", html);
    }

    [Theory]
    [InlineData("/studio/app.js", "text/javascript")]
    [InlineData("/studio/styles.css", "text/css")]
    [InlineData("/studio/assets/data.json", "application/json")]
    public async Task StaticFile_HasItsContentType(string path, string contentType)
    {
        var response = await fixture.Built.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/studio/missing.js")]
    [InlineData("/studio/assets")]
    [InlineData("/studio/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/studio/..%2Fsecret.txt")]
    [InlineData("/studio/assets/..%2F..%2Fsecret.txt")]
    public async Task MissingFileFolderOrEscape_Is404Problem(string path)
    {
        var response = await fixture.Built.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("outside", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NotBuilt_Is503ProblemSayingSo()
    {
        var response = await fixture.NotBuilt.CreateClient().GetAsync("/studio");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Studio was not built", body);
    }

    [Fact]
    public async Task Post_IsNotServed()
    {
        var response = await fixture.Built.CreateClient().PostAsync("/studio/app.js", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
