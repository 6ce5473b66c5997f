using System.Net;
using System.Text.Json.Nodes;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Mailflow.Api.Tests;

/// <summary>
/// "Test mail flow" runs the sender-authentication agent like a session does: the admin's client IP,
/// HELO name, sender and message go through SPF, DKIM and DMARC against a loopback zone, and the
/// verdict and the exact Authentication-Results header come back.
/// </summary>
public sealed class TestMailFlowAuthenticationTests(DiagnosticsServer fixture) : IClassFixture<DiagnosticsServer>
{
    private readonly HttpClient admin = fixture.Server.Client();
    private const string Agent = "Sender authentication (SPF, DKIM, DMARC)";

    private async Task EvaluateOnDefaultFrontendAsync()
    {
        var frontend = (await admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Default Frontend")!.AsObject();
        if (frontend["senderAuthentication"]!.GetValue<string>() == "EvaluateAndTag")
            return;
        frontend["senderAuthentication"] = "EvaluateAndTag";
        await admin.SendJsonAsync(HttpMethod.Put, $"api/v1/receive-connectors/{frontend["id"]}", frontend, "*").ExpectAsync(HttpStatusCode.OK);
    }

    private async Task<JsonNode> TestAsync(object request)
    {
        // The engine takes the connector change with its next generation: ask until the agent speaks (bounded).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var result = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/test-mail-flow", request).ExpectAsync(HttpStatusCode.OK);
            if (result["agents"]!.AsArray().Any(a => a!["agent"]!.GetValue<string>() == Agent))
                return result;
            Assert.True(DateTime.UtcNow < deadline, "the sender-authentication agent never gave a verdict");
            await Task.Delay(200);
        }
    }

    private static string Verdict(JsonNode result) =>
        result["agents"]!.AsArray().Single(a => a!["agent"]!.GetValue<string>() == Agent)!["detail"]!.GetValue<string>();

    [Fact]
    public async Task Client_ip_helo_sender_and_a_signed_message_give_spf_dkim_and_dmarc_verdicts()
    {
        var domain = $"whatif-{Guid.NewGuid():N}"[..15] + ".test";
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        fixture.Zone.Txt(domain, "v=spf1 ip4:198.51.100.0/24 -all")
            .Txt("_dmarc." + domain, "v=DMARC1; p=reject")
            .Txt("ed._domainkey." + domain, $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded())}");
        await EvaluateOnDefaultFrontendAsync();

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@" + domain));
        message.To.Add(MailboxAddress.Parse("postmaster@mailflow.local"));
        message.Subject = "what if";
        message.Body = new TextPart("plain") { Text = "Signed.\n" };
        message.Prepare(EncodingConstraint.SevenBit);
        new DkimSigner(pair.Private, domain, "ed", DkimSignatureAlgorithm.Ed25519Sha256) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed }
            .Sign(message, [HeaderId.From, HeaderId.Subject]);

        // From an address SPF allows, with the signed message: everything passes.
        var signed = await TestAsync(new
        {
            sender = "alice@" + domain, recipients = new[] { "postmaster@mailflow.local" }, clientIp = "198.51.100.7",
            heloName = "mail." + domain, eml = message.ToString(), resolveMx = false,
        });
        Assert.Contains($"spf=pass ({domain}), dkim=pass, dmarc=pass ({domain})", Verdict(signed));
        var header = Assert.Single(signed["addedHeaders"]!.AsArray(), h => h!.GetValue<string>().StartsWith("Authentication-Results: ", StringComparison.Ordinal))!.GetValue<string>();
        Assert.Contains($"dkim=pass header.d={domain} header.s=ed header.a=ed25519-sha256", header);
        Assert.Contains($"dmarc=pass (p=reject dis=none) header.from={domain}", header);

        // From elsewhere, with the fields of the form and no signature: SPF and DMARC fail, and the
        // policy the sender asked for is shown.
        var forged = await TestAsync(new
        {
            sender = "alice@" + domain, recipients = new[] { "postmaster@mailflow.local" }, clientIp = "192.0.2.99",
            heloName = "evil.example", subject = "pay now", body = "x", resolveMx = false,
        });
        Assert.Contains($"spf=fail ({domain}), dkim=none, dmarc=fail ({domain})", Verdict(forged));
        Assert.Contains("(p=reject dis=reject)", forged["addedHeaders"]!.AsArray().Single()!.GetValue<string>());

        // The null sender is checked as postmaster@<HELO name>.
        fixture.Zone.Txt("mail." + domain, "v=spf1 ip4:198.51.100.7 -all");
        var bounce = await TestAsync(new
        {
            sender = "", recipients = new[] { "postmaster@mailflow.local" }, clientIp = "198.51.100.7",
            heloName = "mail." + domain, subject = "bounce", body = "x", resolveMx = false,
        });
        Assert.Contains($"spf=pass (mail.{domain})", Verdict(bounce));
    }

    [Fact]
    public async Task A_helo_name_with_spaces_is_refused_next_to_the_field()
    {
        var refused = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/test-mail-flow",
            new { sender = "a@example.com", recipients = new[] { "postmaster@mailflow.local" }, heloName = "two words" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("not a HELO name", refused["errors"]!["HeloName"]![0]!.GetValue<string>());
    }
}
