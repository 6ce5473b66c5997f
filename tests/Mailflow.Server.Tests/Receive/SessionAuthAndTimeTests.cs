using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Receive;

public class SessionAuthAndTimeTests
{
    private static readonly ReceivePolicy Submission = SessionScript.DefaultPolicy with
    {
        PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
        OfferBasicAuth = true,
        BasicAuthRequiresTls = false,
    };

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task AuthPlain_WhenInitialResponseIsValid_Returns235AndAllowsRelay()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(Submission, sink: sink, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "235 2.7.0");
        await s.SendAsync("MAIL FROM:<alice@local.test>", "250 2.1.0");
        await s.SendAsync("RCPT TO:<someone@remote.test>", "250 2.1.5");
        await s.SendAsync("DATA", "354");
        await s.SendAsync("\r\nx\r\n.", "250 2.6.0");
        var message = Assert.Single(sink.Committed);
        Assert.Equal(FakeAuthenticator.User, message.Envelope.Client.AuthenticatedAs);
        Assert.Contains("with ESMTPA id", message.Text);
    }

    [Fact]
    public async Task AuthPlain_WhenResponseFollowsChallenge_Authenticates()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        Assert.Equal("334 \r\n", await s.SendAsync("AUTH PLAIN", "334"));
        await s.SendAsync(Base64($"{FakeAuthenticator.User}\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}"), "235 2.7.0");
        await s.SendAsync("AUTH PLAIN", "503 5.5.1 Already authenticated");
    }

    [Fact]
    public async Task AuthLogin_WhenUserAndPasswordFollowChallenges_Authenticates()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync("AUTH LOGIN", "334 VXNlcm5hbWU6");
        await s.SendAsync(Base64(FakeAuthenticator.User), "334 UGFzc3dvcmQ6");
        await s.SendAsync(Base64(FakeAuthenticator.Password), "235 2.7.0");
    }

    [Fact]
    public async Task AuthLogin_WhenUserIsInitialResponse_AsksOnlyForPassword()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH LOGIN {Base64(FakeAuthenticator.User)}", "334 UGFzc3dvcmQ6");
        await s.SendAsync(Base64("wrong"), "535 5.7.8");
    }

    [Fact]
    public async Task Auth_WhenClientCancels_Returns501AndStaysUnauthenticated()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync("AUTH LOGIN", "334");
        await s.SendAsync("*", "501 5.0.0");
        await s.SendAsync("MAIL FROM:<alice@local.test>", "530 5.7.0");
    }

    [Fact]
    public async Task Auth_WhenMechanismUnknown_Returns504()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync("AUTH CRAM-MD5", "504 5.5.4");
    }

    [Fact]
    public async Task Auth_WhenTlsRequiredButNotActive_Returns538()
    {
        var policy = Submission with { BasicAuthRequiresTls = true };
        await using var s = await SessionScript.StartAsync(policy, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "538 5.7.11");
    }

    [Fact]
    public async Task Auth_WhenFailuresReachLimit_Sends421AndCloses()
    {
        var policy = Submission with { MaxAuthFailures = 2 };
        await using var s = await SessionScript.StartAsync(policy, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64("\0alice@local.test\0nope")}", "535 5.7.8");
        await s.SendRawAsync($"AUTH PLAIN {Base64("\0alice@local.test\0nope2")}\r\n");
        await s.ExpectAsync("535 5.7.8");
        await s.ExpectAsync("421 4.7.0");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task Auth_WhenLogged_MasksThePayload()
    {
        var log = new InMemoryProtocolLog();
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator(), protocolLog: log);
        await s.EhloAsync();
        var plain = Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}");
        await s.SendAsync($"AUTH PLAIN {plain}", "235");
        await s.SendAsync("RSET", "250");
        var login = Base64(FakeAuthenticator.Password);
        Assert.DoesNotContain(plain, log.Transcript);
        Assert.DoesNotContain(FakeAuthenticator.Password, log.Transcript);
        Assert.Contains("AUTH PLAIN ***", log.Transcript);
        Assert.DoesNotContain(login, log.Transcript);
    }

    [Fact]
    public async Task Mail_WhenAuthenticatedUserUsesForeignSender_Returns550SendAs()
    {
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "235");
        await s.SendAsync("MAIL FROM:<ceo@local.test>", "550 5.7.60");
        await s.SendAsync("MAIL FROM:<team@sales.local.test>", "250 2.1.0");
        await s.SendAsync("RSET", "250");
        await s.SendAsync("MAIL FROM:<>", "250 2.1.0");
    }

    [Fact]
    public async Task IdleTimeout_WhenClientSendsNothing_Sends421AndCloses()
    {
        var time = new FakeTimeProvider();
        var policy = SessionScript.DefaultPolicy with { IdleTimeout = TimeSpan.FromMinutes(5) };
        await using var s = await SessionScript.StartAsync(policy, time: time);
        await s.EhloAsync();
        time.Advance(TimeSpan.FromMinutes(4));
        await s.SendAsync("NOOP", "250"); // activity restarts the idle clock
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(s.HasPendingOutput());
        time.Advance(TimeSpan.FromMinutes(1));
        await s.ExpectAsync("421 4.4.2 Idle timeout");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task ConnectionTimeout_WhenSessionLastsTooLong_Sends421EvenIfActive()
    {
        var time = new FakeTimeProvider();
        var policy = SessionScript.DefaultPolicy with { IdleTimeout = TimeSpan.FromMinutes(5), ConnectionTimeout = TimeSpan.FromMinutes(10) };
        await using var s = await SessionScript.StartAsync(policy, time: time);
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMinutes(3));
            await s.SendAsync("NOOP", "250");
        }
        time.Advance(TimeSpan.FromMinutes(1));
        await s.ExpectAsync("421 4.4.2 mx.local.test Connection time limit reached, closing");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task Tarpit_WhenCommandFails_DelaysTheErrorReply()
    {
        var time = new SignallingTimeProvider(TimeSpan.FromSeconds(5));
        var policy = SessionScript.DefaultPolicy with { TarpitDelay = TimeSpan.FromSeconds(5) };
        await using var s = await SessionScript.StartAsync(policy, time: time);
        await s.SendRawAsync("BOGUS\r\n");
        await time.DelayStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(s.HasPendingOutput());
        time.Advance(TimeSpan.FromSeconds(5));
        await s.ExpectAsync("500 5.5.2");
    }

    /// <summary>Signals when a timer with the given due time is created (the tarpit's Task.Delay).</summary>
    private sealed class SignallingTimeProvider(TimeSpan dueTime) : FakeTimeProvider
    {
        public TaskCompletionSource DelayStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan due, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, due, period);
            if (due == dueTime)
                DelayStarted.TrySetResult();
            return timer;
        }
    }
}
