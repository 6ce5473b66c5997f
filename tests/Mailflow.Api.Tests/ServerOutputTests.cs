namespace Mailflow.Api.Tests;

/// <summary>Issue 13, finding 11: design-time packages stay out of the server that is deployed.</summary>
public sealed class ServerOutputTests
{
    [Fact]
    public void TheReleaseServer_CarriesNoEntityFrameworkDesignPackage()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Admin.sln")))
            root = root.Parent;
        Assert.NotNull(root);
        var output = Path.Combine(root.FullName, "src", "Server", "bin", "Release", "net10.0");
        var deps = Path.Combine(output, "Mailflow.Server.deps.json");
        Assert.True(File.Exists(deps), $"Build the server in Release first: {deps} is missing.");

        Assert.DoesNotContain("Microsoft.EntityFrameworkCore.Design", File.ReadAllText(deps), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "Microsoft.EntityFrameworkCore.Design.dll")));
    }
}
