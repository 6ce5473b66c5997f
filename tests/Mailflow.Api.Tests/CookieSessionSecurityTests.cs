using System.Net;
using System.Net.Http.Headers;
using Mailflow.Data;
using Mailflow.Auditing;
using Mailflow.Server.Api.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Issue 13, findings 4 and 5: a copied admin cookie dies with the sign-out, and a page on another
/// site cannot make a signed-in admin's browser change anything through the API.
/// </summary>
public sealed class CookieSessionSecurityTests(ServerPerClass servers) : IClassFixture<ServerPerClass>
{
    private Task<ApiServer> ServerAsync() => servers.GetAsync(DatabaseProvider.Sqlite, null);

    [Fact]
    public async Task ACookieReplayedAfterSignOut_IsRefused()
    {
        var server = await ServerAsync();
        using var browser = await AdminCookieSession.SignInAsync(server);
        var copied = browser.CookieHeader;
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("api/v1/accepted-domains")).StatusCode);

        await browser.SignOutAsync();

        using var attacker = new HttpClient { BaseAddress = server.BaseUrl };
        using var replay = new HttpRequestMessage(HttpMethod.Get, "api/v1/accepted-domains");
        replay.Headers.Add("Cookie", copied);
        using var response = await attacker.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ACrossSiteForm_CannotSuspendAQueue_WithTheAdminsCookie()
    {
        var server = await ServerAsync();
        using var browser = await AdminCookieSession.SignInAsync(server);
        const string nextHop = "smtp:csrf-target.example";

        // What a page on evil.example makes the browser send: a form post, cookie attached, no custom header.
        using var forged = new HttpRequestMessage(HttpMethod.Post, $"api/v1/queues/suspend/{nextHop}")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }),
        };
        forged.Headers.Add("Origin", "http://evil.example");
        forged.Headers.Add("Sec-Fetch-Site", "cross-site");
        using (var response = await browser.Client.SendAsync(forged))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await SuspensionsAuditedAsync(server, nextHop));

        // The custom header alone is not enough when the browser says the request came from elsewhere.
        using var withHeaderFromElsewhere = new HttpRequestMessage(HttpMethod.Post, $"api/v1/queues/suspend/{nextHop}");
        withHeaderFromElsewhere.Headers.Add(CookieWriteProtection.Header, "1");
        withHeaderFromElsewhere.Headers.Add("Origin", "http://evil.example");
        using (var response = await browser.Client.SendAsync(withHeaderFromElsewhere))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        // A same-origin script with the header may.
        using var own = new HttpRequestMessage(HttpMethod.Post, $"api/v1/queues/suspend/{nextHop}");
        own.Headers.Add(CookieWriteProtection.Header, "1");
        own.Headers.Add("Origin", server.BaseUrl.GetLeftPart(UriPartial.Authority));
        using (var response = await browser.Client.SendAsync(own))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await SuspensionsAuditedAsync(server, nextHop));

        // API keys are unaffected: no header needed.
        using var script = server.Client();
        using (var response = await script.PostAsync($"api/v1/queues/resume/{nextHop}", null))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<int> SuspensionsAuditedAsync(ApiServer server, string nextHop)
    {
        await using var db = await server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.CountAsync(e => e.Action == AuditAction.Suspend && e.ObjectId == nextHop);
    }
}
