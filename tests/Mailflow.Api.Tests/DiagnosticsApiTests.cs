using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.TestSupport;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Mailflow.Api.Tests;

/// <summary>The server with its DNS pointed at a loopback zone the tests script (diagnostics store nothing: SQLite is enough).</summary>
public sealed class DiagnosticsServer : IAsyncLifetime
{
    public LoopbackDnsServer Zone { get; } = new();
    public ApiServer Server { get; private set; } = default!;

    public async Task InitializeAsync() => Server = await ApiServer.StartAsync(DatabaseProvider.Sqlite, null, new Dictionary<string, string?>
    {
        ["Mailflow:Dns:Servers:0"] = Zone.EndPoint.ToString(),
        ["Mailflow:Dns:TimeoutMilliseconds"] = "1000",
        ["Mailflow:Dns:Retries"] = "0",
    });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Zone.DisposeAsync();
    }
}

public sealed class DiagnosticsApiTests(DiagnosticsServer fixture) : IClassFixture<DiagnosticsServer>
{
    private readonly HttpClient admin = fixture.Server.Client();
    private LoopbackDnsServer Zone => fixture.Zone;

    private static string Unique(string label) => $"{label}-{Guid.NewGuid():N}"[..(label.Length + 9)] + ".test";

    [Fact]
    public async Task Spf_pass_fail_with_explanation_and_null_sender()
    {
        var domain = Unique("spf");
        Zone.Txt(domain, $"v=spf1 ip4:192.0.2.0/24 exp=why.{domain} -all").Txt("why." + domain, "%{i} may not send for %{d}");
        var pass = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "192.0.2.10", helo = "mail." + domain, sender = "alice@" + domain }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("pass", pass["result"]!.GetValue<string>());
        var fail = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "198.51.100.7", helo = "x", sender = "alice@" + domain }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("fail", fail["result"]!.GetValue<string>());
        Assert.Equal($"198.51.100.7 may not send for {domain}", fail["explanation"]!.GetValue<string>());

        // The null sender checks postmaster@<helo>.
        var helo = Unique("helo");
        Zone.Txt(helo, "v=spf1 ip6:2001:db8::/32 ~all");
        var nullSender = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "2001:db8::25", helo, sender = "" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("pass", nullSender["result"]!.GetValue<string>());
        var softfail = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "192.0.2.1", helo, sender = "" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("softfail", softfail["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task Spf_dns_failure_is_temperror_with_200_and_a_bad_ip_is_422()
    {
        var domain = Unique("servfail");
        Zone.Rcode(domain, 2);
        var temp = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "192.0.2.10", helo = "h.example", sender = "a@" + domain }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("temperror", temp["result"]!.GetValue<string>());
        var none = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "192.0.2.10", helo = "h.example", sender = "a@" + Unique("nothing") }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("none", none["result"]!.GetValue<string>());
        var bad = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "not-an-ip", helo = "h", sender = "" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(bad["errors"]!["ip"]);
    }

    [Fact]
    public async Task Dkim_lists_every_signature_in_header_order()
    {
        var domain = Unique("dkim");
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        Zone.Txt("ed._domainkey." + domain, $"v=DKIM1; k=ed25519; p={Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded())}");

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@" + domain));
        message.To.Add(MailboxAddress.Parse("bob@example.net"));
        message.Subject = "diagnostics";
        message.Body = new TextPart("plain") { Text = "Signed.\n" };
        message.Prepare(EncodingConstraint.SevenBit);
        new DkimSigner(pair.Private, domain, "gone", DkimSignatureAlgorithm.Ed25519Sha256) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed }
            .Sign(message, [HeaderId.From, HeaderId.Subject]);
        new DkimSigner(pair.Private, domain, "ed", DkimSignatureAlgorithm.Ed25519Sha256) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed }
            .Sign(message, [HeaderId.From, HeaderId.Subject]);

        var results = (await PostMessageAsync(message.ToString()).ExpectAsync(HttpStatusCode.OK))["results"]!.AsArray();
        Assert.Equal([("ed", "pass"), ("gone", "permerror")], results.Select(r => (r!["selector"]!.GetValue<string>(), r["result"]!.GetValue<string>())));
        Assert.All(results, r => Assert.Equal(domain, r!["domain"]!.GetValue<string>()));

        var tampered = (await PostMessageAsync(message.ToString().Replace("Signed.", "Changed.")).ExpectAsync(HttpStatusCode.OK))["results"]!.AsArray();
        Assert.Equal("fail", tampered[0]!["result"]!.GetValue<string>());

        var unsigned = await PostMessageAsync("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n").ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(unsigned["results"]!.AsArray());
    }

    [Fact]
    public async Task Dkim_needs_a_message_rfc822_body()
    {
        using var content = new StringContent("From: a@example.com\r\n\r\nx\r\n");
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await admin.PostAsync("api/v1/diagnostics/dkim", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Dmarc_result_and_disposition()
    {
        var domain = Unique("dmarc");
        Zone.Txt("_dmarc." + domain, "v=DMARC1; p=reject; sp=quarantine");
        async Task<(string Result, string Policy)> Ask(object body)
        {
            var answer = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/dmarc", body).ExpectAsync(HttpStatusCode.OK);
            return (answer["result"]!.GetValue<string>(), answer["policy"]!.GetValue<string>());
        }
        Assert.Equal(("pass", "none"), await Ask(new JsonObject
        {
            ["from_domain"] = domain,
            ["spf"] = new JsonObject { ["result"] = "pass", ["domain"] = "bounce." + domain },
            ["dkim"] = new JsonArray(),
        }));
        Assert.Equal(("pass", "none"), await Ask(new JsonObject
        {
            ["from_domain"] = domain,
            ["spf"] = new JsonObject { ["result"] = "fail", ["domain"] = domain },
            ["dkim"] = new JsonArray(new JsonObject { ["result"] = "pass", ["domain"] = domain }),
        }));
        Assert.Equal(("fail", "reject"), await Ask(new JsonObject
        {
            ["from_domain"] = domain,
            ["spf"] = new JsonObject { ["result"] = "pass", ["domain"] = "esp.example" },
            ["dkim"] = new JsonArray(new JsonObject { ["result"] = "pass", ["domain"] = "esp.example" }),
        }));
        Assert.Equal(("fail", "quarantine"), await Ask(new JsonObject { ["from_domain"] = "news." + domain }));

        var pct = Unique("pct");
        Zone.Txt("_dmarc." + pct, "v=DMARC1; p=reject; pct=0");
        Assert.Equal(("fail", "quarantine"), await Ask(new JsonObject { ["from_domain"] = pct }));
        Assert.Equal(("none", "none"), await Ask(new JsonObject { ["from_domain"] = Unique("nodmarc") }));
        var broken = Unique("broken");
        Zone.Rcode("_dmarc." + broken, 2);
        Assert.Equal(("temperror", "none"), await Ask(new JsonObject { ["from_domain"] = broken }));
    }

    [Fact]
    public async Task Dmarc_bad_input_is_422()
    {
        var problem = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/dmarc", new JsonObject
        {
            ["spf"] = new JsonObject { ["result"] = "maybe" },
        }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["from_domain"]);
        Assert.NotNull(problem["errors"]!["spf.result"]);
    }

    [Fact]
    public async Task Any_role_may_diagnose_and_anonymous_callers_may_not()
    {
        var created = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        var viewer = fixture.Server.Client(created["key"]!.GetValue<string>());
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/dmarc", new JsonObject { ["from_domain"] = Unique("viewer") }).ExpectAsync(HttpStatusCode.OK);
        using var anonymous = await fixture.Server.Client(apiKey: null).SendJsonAsync(HttpMethod.Post, "api/v1/diagnostics/spf", new { ip = "192.0.2.1", helo = "h", sender = "" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private Task<HttpResponseMessage> PostMessageAsync(string text)
    {
        var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(text.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return admin.PostAsync("api/v1/diagnostics/dkim", content);
    }
}
