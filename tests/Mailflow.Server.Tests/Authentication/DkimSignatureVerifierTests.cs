using System.Text;
using Mailflow.Server.Transport.Authentication.Dkim;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using static Mailflow.Server.Tests.Authentication.DkimTestKeys;

namespace Mailflow.Server.Tests.Authentication;

public sealed class DkimSignatureVerifierTests : AuthenticationDnsTest
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));

    private DkimSignatureVerifier Verifier(int timeoutMilliseconds = 2000) => new(Dns(timeoutMilliseconds), clock);

    private Task<IReadOnlyList<DkimSignatureResult>> Verify(MimeMessage message) => Verifier().VerifyAsync(Reparse(message), CancellationToken.None);

    private static MimeMessage Load(string text) => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n"))));

    // RFC 8463 Appendix A.3: the same message signed with Ed25519 (selector brisbane) and RSA (selector test).
    private const string Rfc8463Message = """
        DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
         d=football.example.com; i=@football.example.com;
         q=dns/txt; s=brisbane; t=1528637909; h=from : to :
         subject : date : message-id : from : subject : date;
         bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
         b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
         Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
        DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
         d=football.example.com; i=@football.example.com;
         q=dns/txt; s=test; t=1528637909; h=from : to : subject :
         date : message-id : from : subject : date;
         bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
         b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
         DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
         dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=
        From: Joe SixPack <joe@football.example.com>
        To: Suzie Q <suzie@shopping.example.net>
        Subject: Is dinner ready?
        Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
        Message-ID: <20030712040037.46341.5F8J@football.example.com>

        Hi.

        We lost the game.  Are you hungry yet?

        Joe.

        """;

    private void PublishRfc8463Keys()
    {
        Zone.Txt("brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        Zone.Txt("test._domainkey.football.example.com", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
    }

    [Fact]
    public async Task Rfc_8463_example_passes_with_both_algorithms_in_header_order()
    {
        PublishRfc8463Keys();
        var results = await Verifier().VerifyAsync(Load(Rfc8463Message), CancellationToken.None);
        Assert.Collection(results,
            ed => Assert.Equal((DkimResult.Pass, "football.example.com", "brisbane", "ed25519-sha256"), (ed.Result, ed.Domain, ed.Selector, ed.Algorithm)),
            rsa => Assert.Equal((DkimResult.Pass, "football.example.com", "test", "rsa-sha256"), (rsa.Result, rsa.Domain, rsa.Selector, rsa.Algorithm)));
    }

    [Fact]
    public async Task Rfc_8463_example_fails_when_the_body_changed()
    {
        PublishRfc8463Keys();
        var results = await Verifier().VerifyAsync(Load(Rfc8463Message.Replace("We lost the game.", "We won the game.")), CancellationToken.None);
        Assert.All(results, r => Assert.Equal(DkimResult.Fail, r.Result));
    }

    [Fact]
    public async Task Rsa_2048_and_ed25519_signatures_made_by_mimekit_pass()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value));
        Zone.Txt("ed._domainkey.example.com", Record(Ed25519.Value));
        var message = Sign(Sign(Message(), Rsa2048.Value, "example.com", "rsa"), Ed25519.Value, "example.com", "ed");
        var results = await Verify(message);
        Assert.Equal(["ed", "rsa"], results.Select(r => r.Selector));
        Assert.All(results, r => Assert.Equal(DkimResult.Pass, r.Result));
    }

    [Fact]
    public async Task Changed_header_or_body_fails()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value));
        var message = Reparse(Sign(Message(), Rsa2048.Value, "example.com", "rsa"));
        message.Subject = "Quarterly report (updated)";
        Assert.Equal(DkimResult.Fail, Assert.Single(await Verify(message)).Result);

        var bytes = Encoding.ASCII.GetString(Bytes(Sign(Message(), Rsa2048.Value, "example.com", "rsa"))).Replace("report is attached", "report is missing");
        var changed = await Verifier().VerifyAsync(Load(bytes), CancellationToken.None);
        Assert.Equal(DkimResult.Fail, Assert.Single(changed).Result);
    }

    [Fact]
    public async Task Unsigned_message_has_no_results()
    {
        Assert.Empty(await Verify(Message()));
    }

    [Fact]
    public async Task Rsa_sha1_never_passes()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value));
        var result = Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "rsa", DkimSignatureAlgorithm.RsaSha1)));
        Assert.Equal(DkimResult.Policy, result.Result);
        Assert.Contains("RFC 8301", result.Reason);
    }

    [Fact]
    public async Task Rsa_key_under_1024_bits_never_passes()
    {
        Zone.Txt("weak._domainkey.example.com", Record(Rsa512.Value));
        var result = Assert.Single(await Verify(Sign(Message(), Rsa512.Value, "example.com", "weak")));
        Assert.Equal(DkimResult.Policy, result.Result);
        Assert.Contains("512 bits", result.Reason);
    }

    [Fact]
    public async Task Revoked_missing_and_wrong_type_keys_are_permerror()
    {
        var message = Sign(Message(), Rsa2048.Value, "example.com", "rsa");
        Zone.Txt("rsa._domainkey.example.com", "v=DKIM1; k=rsa; p=");
        Assert.Contains("revoked", Assert.Single(await Verify(message)).Reason);

        Zone.Remove("rsa._domainkey.example.com");
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(message)).Result);

        Zone.Remove("rsa._domainkey.example.com").Txt("rsa._domainkey.example.com", Record(Ed25519.Value));
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(message)).Result);

        Zone.Remove("rsa._domainkey.example.com").Txt("rsa._domainkey.example.com", Record(Rsa2048.Value, " s=tlsrpt;"));
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(message)).Result);

        Zone.Remove("rsa._domainkey.example.com").Txt("rsa._domainkey.example.com", Record(Rsa2048.Value, " h=sha1;"));
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(message)).Result);
    }

    [Fact]
    public async Task Key_published_through_a_cname_is_followed()
    {
        Zone.Cname("s1._domainkey.example.com", "s1.dkim.provider.example");
        Zone.Txt("s1.dkim.provider.example", Record(Rsa2048.Value));
        Assert.Equal(DkimResult.Pass, Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "s1"))).Result);

        // A resolver that answers only the CNAME: the verifier asks for the target itself.
        Zone.Cname("s2._domainkey.example.com", "s2.dkim.provider.example");
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "s2"))).Result);
        Zone.Txt("s2.dkim.provider.example", Record(Rsa2048.Value));
        Assert.Contains("s2.dkim.provider.example TXT", Zone.Questions);
    }

    [Fact]
    public async Task Strict_key_refuses_an_identity_in_a_subdomain()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value, " t=s;"));
        var sub = Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "rsa", identity: "alice@mail.example.com")));
        Assert.Equal(DkimResult.PermError, sub.Result);
        Assert.Contains("t=s", sub.Reason);
        Assert.Equal(DkimResult.Pass, Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "rsa", identity: "alice@example.com"))).Result);
    }

    [Fact]
    public async Task Identity_outside_the_signing_domain_is_permerror()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value));
        var text = Encoding.ASCII.GetString(Bytes(Sign(Message(), Rsa2048.Value, "example.com", "rsa"))).Replace("d=example.com;", "d=example.com; i=@attacker.example;");
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verifier().VerifyAsync(Load(text), CancellationToken.None)).Result);
    }

    [Fact]
    public async Task Expired_signature_fails()
    {
        Zone.Txt("rsa._domainkey.example.com", Record(Rsa2048.Value));
        var text = Encoding.ASCII.GetString(Bytes(Sign(Message(), Rsa2048.Value, "example.com", "rsa")))
            .Replace("d=example.com;", $"d=example.com; x={DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()};");
        clock.SetUtcNow(DateTimeOffset.UtcNow.AddDays(2)); // after x=, which is after MimeKit's t= (now)
        var result = Assert.Single(await Verifier().VerifyAsync(Load(text), CancellationToken.None));
        Assert.Equal(DkimResult.Fail, result.Result);
        Assert.Contains("expired", result.Reason);
    }

    [Fact]
    public async Task Dns_failure_is_temperror()
    {
        Zone.Rcode("rsa._domainkey.example.com", 2);
        Assert.Equal(DkimResult.TempError, Assert.Single(await Verify(Sign(Message(), Rsa2048.Value, "example.com", "rsa"))).Result);
    }

    [Theory]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA; d=other.example")] // duplicate tag
    [InlineData("v=2; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA")]
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=subject; bh=AAAA; b=AAAA")]                  // From not signed
    [InlineData("v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA")]                              // no b=
    [InlineData("v=1; a=rsa-md5; d=example.com; s=x; h=from; bh=AAAA; b=AAAA")]
    public async Task Malformed_signatures_are_permerror(string signature)
    {
        var message = Message();
        message.Headers.Insert(0, new Header(HeaderId.DkimSignature, signature));
        Assert.Equal(DkimResult.PermError, Assert.Single(await Verify(message)).Result);
    }

    [Fact]
    public async Task Each_signature_is_judged_on_its_own()
    {
        Zone.Txt("good._domainkey.example.com", Record(Rsa2048.Value));
        Zone.Txt("old._domainkey.example.org", "v=DKIM1; p=");
        var message = Sign(Sign(Message(), Rsa2048.Value, "example.org", "old"), Rsa2048.Value, "example.com", "good");
        var results = await Verify(message);
        Assert.Equal([("example.com", DkimResult.Pass), ("example.org", DkimResult.PermError)], results.Select(r => (r.Domain, r.Result)));
    }
}
