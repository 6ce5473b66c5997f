using System.Net;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using MimeKit;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

/// <summary>Messages as they arrive: raw RFC 5322 text parsed by MimeKit, the way the categorizer reads stored content.</summary>
public static class RuleTestMessages
{
    public static readonly Guid SalesGroupId = new("5a1e5000-0000-0000-0000-000000000001");
    public static readonly Guid AllStaffGroupId = new("5a1e5000-0000-0000-0000-000000000002");
    public static readonly Guid EmptyGroupId = new("5a1e5000-0000-0000-0000-000000000003");

    /// <summary>
    /// Envelope sender alice@contoso.com, From: alice.header@fabrikam.example; recipients bob@contoso.com
    /// and carol@partner.example; an RFC 2047 subject; multipart/alternative body (plain + HTML with a
    /// script) and a 2,000-byte base64 attachment Budget.XLSX; an encoded X-Custom header.
    /// </summary>
    public static readonly string Standard =
        "From: Alice <alice.header@fabrikam.example>\r\n" +
        "To: Bob <bob@contoso.com>, carol@partner.example\r\n" +
        "Subject: =?utf-8?q?R=C3=A9sum=C3=A9_of_the_quarterly?= report\r\n" +
        "X-Custom: =?utf-8?q?Caf=C3=A9_cr=C3=A8me?=\r\n" +
        "Message-Id: <standard@fabrikam.example>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
        "\r\n" +
        "--alt\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n" +
        "\r\n" +
        "Hello Bob, the project codename is Bluebird.\r\n" +
        "--alt\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<html><head><style>p { color: teal }</style></head><body><p>Confidential&nbsp;<b>numbers</b></p><script>var secret = 'hidden';</script></body></html>\r\n" +
        "--alt--\r\n" +
        "--outer\r\n" +
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n" +
        "Content-Disposition: attachment; filename=\"Budget.XLSX\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        Base64Block(2000) +
        "--outer--\r\n";

    public static MimeMessage Parse(string raw) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

    public static RuleMessageContext Context(string? raw = null, string sender = "alice@contoso.com", string[]? recipients = null,
        bool authenticated = true, int? scl = 5, long size = 50_000, string clientAddress = "192.0.2.10",
        Dictionary<string, string>? tags = null) => new(Parse(raw ?? Standard))
        {
            // The sender authentication agent's verdicts as it tags them.
            Tags = tags ?? new Dictionary<string, string> { ["spf.result"] = "pass", ["dkim.result"] = "fail", ["dmarc.result"] = "none" },
            EnvelopeSender = sender,
            Recipients = recipients ?? ["bob@contoso.com", "carol@partner.example"],
            SizeBytes = size,
            ClientAddress = IPAddress.Parse(clientAddress),
            Authenticated = authenticated,
            Scl = scl,
        };

    /// <summary>contoso.com (authoritative); bob in sales, sales nested in all-staff (which loops back through sales), and an empty group.</summary>
    public static TestConfigBuilder Directory()
    {
        var builder = new TestConfigBuilder().Domain("contoso.com");
        var bob = builder.Mailbox("bob@contoso.com");
        var sales = builder.Add(new Recipient { Id = SalesGroupId, Kind = RecipientKind.DistributionGroup, PrimaryAddress = "sales@contoso.com", MemberIds = [bob.Id] });
        builder.Add(new Recipient { Id = AllStaffGroupId, Kind = RecipientKind.DistributionGroup, PrimaryAddress = "all@contoso.com", MemberIds = [sales.Id] });
        sales.MemberIds.Add(AllStaffGroupId);
        builder.Add(new Recipient { Id = EmptyGroupId, Kind = RecipientKind.DistributionGroup, PrimaryAddress = "empty@contoso.com" });
        return builder;
    }

    public static TransportRule Rule(string name, IEnumerable<RulePredicate>? conditions = null, IEnumerable<RuleAction>? actions = null,
        IEnumerable<RulePredicate>? exceptions = null) => new()
        {
            Name = name,
            Definition = new RuleDefinition
            {
                Conditions = [.. conditions ?? []],
                Exceptions = [.. exceptions ?? []],
                Actions = [.. actions ?? [Action("SetHeader", ("Name", "X-Rule"), ("Value", name))]],
            },
        };

    public static RulePredicate Predicate(string kind, params string[] values) => new() { Kind = kind, Values = [.. values] };

    public static RuleAction Action(string kind, params (string Name, string Value)[] arguments) =>
        new() { Kind = kind, Arguments = arguments.ToDictionary(a => a.Name, a => a.Value) };

    private static string Base64Block(int bytes)
    {
        var data = new byte[bytes];
        for (var i = 0; i < bytes; i++)
            data[i] = (byte)(i % 251);
        return Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks) + "\r\n";
    }
}
