using Mailflow.Admin.Web.Components.Layout;
using Mailflow.Cluster;
using Mailflow.Identity;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The drawer's footer names the build (version and commit) and the node, from the same <see cref="NodeAbout"/> as /api/v1/about.</summary>
public sealed class VersionFooterTests : MudBunitContext
{
    [Fact]
    public void Footer_ShowsVersionShortCommitAndNode()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        RenderProviders();

        var footer = Render<VersionFooter>();

        Assert.Equal(BuildInfo.Current.Version, footer.Find("#version-number").TextContent);
        Assert.Equal($"({BuildInfo.Current.ShortCommit})", footer.Find("#version-commit").TextContent);
        // Built in a git checkout: the commit is stamped, the footer shows its first 12 characters.
        Assert.Matches("^\\([0-9a-f]{12}\\)$", footer.Find("#version-commit").TextContent);
        Assert.Equal("node-test", footer.Find("#version-node").TextContent);
    }

    [Theory]
    [InlineData("1.4.2+0123456789abcdef0123456789abcdef01234567", "1.4.2", "0123456789abcdef0123456789abcdef01234567", "0123456789ab")]
    [InlineData("1.4.2", "1.4.2", BuildInfo.UnknownCommit, BuildInfo.UnknownCommit)]
    [InlineData("1.4.2+", "1.4.2", BuildInfo.UnknownCommit, BuildInfo.UnknownCommit)]
    public void BuildInfo_ReadsTheInformationalVersion_AndSaysUnknownWithoutGit(string informational, string version, string commit, string shortCommit)
    {
        var build = BuildInfo.Parse(informational);
        Assert.Equal((version, commit, shortCommit), (build.Version, build.Commit, build.ShortCommit));
    }
}
