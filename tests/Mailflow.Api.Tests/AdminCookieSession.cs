using System.Net;
using System.Text.RegularExpressions;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>A browser-like client signed in to the admin center through the real sign-in form (cookie and antiforgery token).</summary>
public sealed partial class AdminCookieSession : IDisposable
{
    public const string UserName = "admin";
    public const string Password = "First-Start-Password-1";

    private AdminCookieSession(ApiServer server, CookieContainer cookies, HttpClient client)
    {
        Server = server;
        Cookies = cookies;
        Client = client;
    }

    public ApiServer Server { get; }
    public CookieContainer Cookies { get; }
    public HttpClient Client { get; }

    /// <summary>The Cookie header this browser sends (what an attacker would copy).</summary>
    public string CookieHeader => Cookies.GetCookieHeader(Server.BaseUrl);

    /// <summary>Signs in as the first-start admin, with the forced password change marked done.</summary>
    public static async Task<AdminCookieSession> SignInAsync(ApiServer server, string userName = UserName, string password = Password)
    {
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
            var user = (await users.FindByNameAsync(userName))!;
            if (user.MustChangePassword)
            {
                user.MustChangePassword = false;
                await users.UpdateAsync(user);
            }
        }
        var session = Create(server);
        using var response = await session.PostLoginAsync(userName, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return session;
    }

    public static AdminCookieSession Create(ApiServer server)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = server.BaseUrl,
            Timeout = TimeSpan.FromSeconds(60),
        };
        return new AdminCookieSession(server, cookies, client);
    }

    /// <summary>Posts the sign-in form as a browser would (token from a fresh GET of the page).</summary>
    public async Task<HttpResponseMessage> PostLoginAsync(string userName, string password, string? returnUrl = null, IPAddress? forwardedFor = null)
    {
        var path = returnUrl is null ? "account/login" : $"account/login?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var token = await ReadTokenAsync(path);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = token,
                ["Input.UserName"] = userName,
                ["Input.Password"] = password,
            }),
        };
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor.ToString());
        return await Client.SendAsync(request);
    }

    /// <summary>Signs out through the sign-out form.</summary>
    public async Task SignOutAsync()
    {
        var token = await ReadTokenAsync("account/change-password");
        using var response = await Client.PostAsync("account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private async Task<string> ReadTokenAsync(string path)
    {
        var page = await Client.GetStringAsync(path);
        var match = TokenPattern().Match(page);
        Assert.True(match.Success, $"No antiforgery token on {path}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public void Dispose() => Client.Dispose();
}
