using System.Net;
using System.Text.RegularExpressions;
using Mailflow.Data;

namespace Mailflow.Api.Tests;

/// <summary>/api/v1/about: the version and commit stamped at build time, the runtime, the node and when it started; admins only.</summary>
public sealed partial class AboutApiTests(ServerPerClass fixture) : IClassFixture<ServerPerClass>
{
    [Fact]
    public async Task About_NamesTheBuildTheRuntimeTheNodeAndItsStart()
    {
        var server = await fixture.GetAsync(DatabaseProvider.Sqlite, null);
        var before = DateTimeOffset.UtcNow;

        var about = await server.Client().GetOkAsync("api/v1/about");

        Assert.Matches(VersionPattern(), about["version"]!.GetValue<string>());
        // The tests are built in a git checkout: the SDK stamped its commit.
        Assert.Matches(CommitPattern(), about["commit"]!.GetValue<string>());
        Assert.StartsWith(".NET 10", about["framework"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("node-api-tests", about["node"]!.GetValue<string>());
        var started = DateTimeOffset.Parse(about["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(started, before.AddHours(-1), before);
    }

    [Fact]
    public async Task About_WithoutSignIn_Is401()
    {
        var server = await fixture.GetAsync(DatabaseProvider.Sqlite, null);
        using var response = await server.Client(apiKey: null).GetAsync(new Uri("api/v1/about", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();
}
