using System.Net;
using System.Text.RegularExpressions;
using Mailflow.Admin.Web.Identity;
using Mailflow.Auditing;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Issue 13, findings 8 and 11: admin sign-in is limited per client (the real one, from a configured
/// proxy's X-Forwarded-For) without locking the account for everyone, answers alike whatever was
/// wrong, costs a password hash even for unknown names, and is audited with the client's address;
/// behind a TLS proxy the cookie is Secure and HSTS is sent.
/// </summary>
public sealed partial class AdminSignInSecurityTests
{
    private static readonly IPAddress Guesser = IPAddress.Parse("203.0.113.5");
    private static readonly IPAddress RealAdmin = IPAddress.Parse("198.51.100.7");

    private sealed class CountingHasher : IPasswordHasher<AdminUser>
    {
        private readonly PasswordHasher<AdminUser> _inner = new();
        public int Verifications;

        public string HashPassword(AdminUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(AdminUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref Verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private static Task<ApiServer> StartBehindProxyAsync(CountingHasher? hasher = null) =>
        ApiServer.StartAsync(DatabaseProvider.Sqlite, null,
            new Dictionary<string, string?> { ["Mailflow:Http:TrustedProxies:0"] = "127.0.0.1" },
            hasher is null ? null : builder => builder.ConfigureServices(s => s.AddSingleton<IPasswordHasher<AdminUser>>(hasher)));

    [Fact]
    public async Task AGuesser_IsStoppedByAddress_WhileTheAdminStillSignsInFromElsewhere()
    {
        await using var server = await StartBehindProxyAsync();
        await AdminCookieSession.SignInAsync(server); // the first-start password change is done
        using var guesser = AdminCookieSession.Create(server);
        for (var i = 0; i < SignInThrottle.ClientLimit; i++)
            Assert.Contains("not right", await ErrorAsync(await guesser.PostLoginAsync("admin", $"guess-{i}-wrong", forwardedFor: Guesser)));

        // Even the right password is refused from the guessing address now...
        Assert.Contains("Too many failed sign-ins", await ErrorAsync(await guesser.PostLoginAsync("admin", AdminCookieSession.Password, forwardedFor: Guesser)));
        // ...while the admin, elsewhere, is not locked out.
        using var admin = AdminCookieSession.Create(server);
        using var response = await admin.PostLoginAsync("admin", AdminCookieSession.Password, forwardedFor: RealAdmin);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        await using var db = await server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(e => e.ObjectType == AdminSignIn.AuditObjectType).ToListAsync();
        Assert.Equal(SignInThrottle.ClientLimit + 1, audit.Count(e => e.Action == AuditAction.SignInFailed && e.ObjectId == Guesser.ToString()));
        Assert.Contains(audit, e => e.Action == AuditAction.SignIn && e.ObjectId == RealAdmin.ToString() && e.Actor == "admin");
        Assert.DoesNotContain(audit, e => (e.After ?? "").Contains("guess-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownUsers_WrongPasswords_AndDisabledAccounts_GetTheSameAnswer_AndCostAHashEach()
    {
        var hasher = new CountingHasher();
        await using var server = await StartBehindProxyAsync(hasher);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
            var dora = new AdminUser { UserName = "dora", Disabled = true };
            Assert.True((await users.CreateAsync(dora, "dora's own long passphrase")).Succeeded);
            await users.AddToRoleAsync(dora, AdminRoles.ViewOnly);
        }
        using var browser = AdminCookieSession.Create(server);
        var answers = new List<string>();
        var before = hasher.Verifications;
        answers.Add(await ErrorAsync(await browser.PostLoginAsync("nobody-here", "some long password 1")));
        answers.Add(await ErrorAsync(await browser.PostLoginAsync("admin", "some long password 2")));
        answers.Add(await ErrorAsync(await browser.PostLoginAsync("dora", "dora's own long passphrase")));

        Assert.Single(answers.Distinct());
        Assert.Contains("not right", answers[0]);
        Assert.Equal(3, hasher.Verifications - before);
    }

    [Fact]
    public async Task BehindATlsProxy_TheCookieIsSecure_AndHstsIsSent_AndEveryPageCarriesTheSecurityHeaders()
    {
        await using var server = await StartBehindProxyAsync();
        await AdminCookieSession.SignInAsync(server);
        using var browser = AdminCookieSession.Create(server);
        var token = await browser.Client.GetStringAsync("account/login");
        using var request = new HttpRequestMessage(HttpMethod.Post, "account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenPattern().Match(token).Groups[1].Value),
                ["Input.UserName"] = "admin",
                ["Input.Password"] = AdminCookieSession.Password,
            }),
        };
        request.Headers.Add("X-Forwarded-For", RealAdmin.ToString());
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var adminCookies = response.Headers.GetValues("Set-Cookie").Where(c => c.StartsWith("Mailflow.Admin=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(adminCookies);
        Assert.All(adminCookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());

        using var plain = await browser.Client.GetAsync("account/login");
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal("nosniff", plain.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", plain.Headers.GetValues("Referrer-Policy").Single());
        // Blazor adds its own frame-ancestors policy next to ours; browsers enforce both.
        var policies = plain.Headers.GetValues("Content-Security-Policy").ToList();
        Assert.Contains(policies, p => p.Contains("script-src 'self'", StringComparison.Ordinal) && p.Contains("frame-ancestors 'none'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForwardedHeaders_FromAnUntrustedPeer_AreIgnored()
    {
        await using var server = await ApiServer.StartAsync(DatabaseProvider.Sqlite, null);
        using var browser = AdminCookieSession.Create(server);
        await ErrorAsync(await browser.PostLoginAsync("admin", "a wrong long password", forwardedFor: Guesser));

        await using var db = await server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var failure = await db.AuditEntries.SingleAsync(e => e.Action == AuditAction.SignInFailed);
        Assert.Equal("127.0.0.1", failure.ObjectId);
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var page = await response.Content.ReadAsStringAsync();
            var match = ErrorPattern().Match(page);
            Assert.True(match.Success, $"No sign-in error on the page ({(int)response.StatusCode})");
            return WebUtility.HtmlDecode(Regex.Replace(match.Groups[1].Value, "<[^>]+>", "")).Trim();
        }
    }

    [GeneratedRegex("id=\"login-error\".*?mud-alert-message[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex ErrorPattern();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
