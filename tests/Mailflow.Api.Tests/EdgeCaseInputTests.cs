using System.Net;
using Mailflow.Data;

namespace Mailflow.Api.Tests;

/// <summary>
/// Issue 13, finding 10: no input gives a 500. Control characters in filters are refused (a NUL
/// must not slip past the "an empty filter needs all: true" guard), extreme dates are clamped, and a
/// non-ASCII return URL after sign-in is encoded.
/// </summary>
public sealed class EdgeCaseInputTests(ServerPerClass servers) : IClassFixture<ServerPerClass>
{
    private Task<ApiServer> ServerAsync() => servers.GetAsync(DatabaseProvider.Sqlite, null);

    [Theory]
    [InlineData("api/v1/messages?subject=%00")]
    [InlineData("api/v1/messages/count?sender=a%00b")]
    [InlineData("api/v1/trace?sender=%01")]
    public async Task AControlCharacterInAFilter_IsRefusedWith422(string path)
    {
        var server = await ServerAsync();
        using var admin = server.Client();
        using var response = await admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task ANulSubject_CannotActOnTheWholeQueue()
    {
        var server = await ServerAsync();
        using var admin = server.Client();
        var problem = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/messages/matching", new { action = "Suspend", subject = "\u0000" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]?["Subject"]);
    }

    [Theory]
    [InlineData("api/v1/trace?to=0001-01-01T00:00:00Z")]
    [InlineData("api/v1/trace?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("api/v1/trace?from=9999-12-31T23:59:59Z")]
    [InlineData("api/v1/audit?to=0001-01-01T00:00:00Z")]
    [InlineData("api/v1/audit?from=9999-12-31T23:59:59%2B14:00")]
    [InlineData("api/v1/messages?receivedFrom=0001-01-01T00:00:00Z&receivedBefore=9999-12-31T23:59:59Z")]
    [InlineData("api/v1/messages/count?receivedBefore=0001-01-01T00:00:00Z")]
    [InlineData("api/v1/protocol-log/sessions?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z")]
    [InlineData("api/v1/protocol-log/sessions?to=0001-01-01T00:00:00Z")]
    [InlineData("api/v1/protocol-log/sessions/abc?around=9999-12-31T23:59:59Z")]
    [InlineData("api/v1/protocol-log/sessions/abc?around=0001-01-01T00:00:00Z")]
    public async Task ExtremeDates_NeverGive500(string path)
    {
        var server = await ServerAsync();
        using var admin = server.Client();
        using var response = await admin.GetAsync(path);
        Assert.True((int)response.StatusCode < 500, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("/queues/ü")]
    [InlineData("/trace?sender=名前")]
    public async Task ANonAsciiReturnUrl_AfterSignIn_IsEncoded(string returnUrl)
    {
        var server = await ServerAsync();
        using var browser = AdminCookieSession.Create(server);
        await AdminCookieSession.SignInAsync(server); // marks the first-start password change done
        using var response = await browser.PostLoginAsync(AdminCookieSession.UserName, AdminCookieSession.Password, returnUrl);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(returnUrl, Uri.UnescapeDataString(new Uri(server.BaseUrl, response.Headers.Location!).PathAndQuery));
    }
}
