using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Tests.Receive;

/// <summary>
/// Issue 13, finding 2: a client that keeps sending its base64 credentials after the server refused
/// AUTH must not get them written to the protocol log; nor may any line the server did not recognise.
/// </summary>
public sealed class ProtocolLogRedactionTests
{
    private static readonly ReceivePolicy TlsRequiredForAuth = SessionScript.DefaultPolicy with
    {
        PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
        OfferBasicAuth = true,
        BasicAuthRequiresTls = true,
    };

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task AuthLoginRefusedBeforeTls_ContinuationLinesAreMasked_UntilAKnownCommand()
    {
        var log = new InMemoryProtocolLog();
        await using var s = await SessionScript.StartAsync(TlsRequiredForAuth, authenticator: new FakeAuthenticator(), protocolLog: log);
        await s.EhloAsync();
        await s.SendAsync("AUTH LOGIN", "538 5.7.11");
        var user = Base64("alice@local.test");
        var password = Base64("Sup3r-Secret-Passw0rd!");
        await s.SendAsync(user, "500");
        await s.SendAsync(password, "500");
        await s.SendAsync("NOOP", "250");

        Assert.DoesNotContain(user, log.Transcript);
        Assert.DoesNotContain(password, log.Transcript);
        Assert.Contains("AUTH LOGIN", log.Transcript);
        Assert.Contains("NOOP", log.Transcript);
        Assert.Equal(2, CountOccurrences(log.Transcript, "*** (AUTH data masked)"));
    }

    [Fact]
    public async Task AuthRefusedAfterAuthentication_TheNextLinesAreMasked()
    {
        var log = new InMemoryProtocolLog();
        var policy = TlsRequiredForAuth with { BasicAuthRequiresTls = false };
        await using var s = await SessionScript.StartAsync(policy, authenticator: new FakeAuthenticator(), protocolLog: log);
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "235");
        await s.SendAsync("AUTH PLAIN", "503 5.5.1");
        var secondAccount = Base64("\0bob@local.test\0another-secret-password");
        await s.SendAsync(secondAccount, "500");
        await s.SendAsync("RSET", "250");

        Assert.DoesNotContain(secondAccount, log.Transcript);
        Assert.DoesNotContain(FakeAuthenticator.Password, log.Transcript);
        Assert.Contains("RSET", log.Transcript);
    }

    [Fact]
    public async Task AnUnrecognisedLine_IsNeverLoggedVerbatim()
    {
        var log = new InMemoryProtocolLog();
        await using var s = await SessionScript.StartAsync(SessionScript.DefaultPolicy, protocolLog: log);
        await s.EhloAsync();
        await s.SendAsync("hunter2-typed-into-the-wrong-window", "500");
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");

        Assert.DoesNotContain("hunter2", log.Transcript);
        Assert.Contains("unrecognised line masked", log.Transcript);
        Assert.Contains("MAIL FROM:<a@remote.test>", log.Transcript);
    }

    private static int CountOccurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
