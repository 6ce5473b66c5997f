using System.CommandLine;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary><c>mailflow remote-domain list|show|add|set|remove</c>: remote domains (Exchange's Set-RemoteDomain).</summary>
internal static class RemoteDomainCommands
{
    private const string Path = "remote-domains";
    private const string Key = "domainName";
    private const string Noun = "remote domain";

    private static readonly Column[] Columns =
    [
        Column.Of("DOMAIN", "domainName"), Column.Of("NAME", "name"), Column.Of("AUTO-REPLIES", "allowAutomaticReplies"),
        Column.Of("AUTO-FORWARDS", "allowAutomaticForwards"), Column.Of("DELIVERY REPORTS", "allowDeliveryReports"),
        Column.Of("NDRS", "allowNonDeliveryReports"), Column.Of("CHARSET", "characterSet"), Column.Of("LINE WRAP", "lineWrapSize"),
        Column.Of("TRUSTED PARTNER", "trustedPartner"),
    ];

    private sealed record Options(
        Option<string?> Name, Option<bool?> AutoReplies, Option<bool?> AutoForwards, Option<bool?> DeliveryReports, Option<bool?> Ndrs,
        Option<string?> Charset, Option<string?> NonMimeCharset, Option<string?> LineWrap, Option<bool?> TrustedPartner)
    {
        public IEnumerable<Option> All => [Name, AutoReplies, AutoForwards, DeliveryReports, Ndrs, Charset, NonMimeCharset, LineWrap, TrustedPartner];

        public void Apply(JsonObject body, ParseResult parse)
        {
            if (parse.GetValue(Name) is { } n) body["name"] = n;
            if (parse.GetValue(AutoReplies) is { } r) body["allowAutomaticReplies"] = r;
            if (parse.GetValue(AutoForwards) is { } f) body["allowAutomaticForwards"] = f;
            if (parse.GetValue(DeliveryReports) is { } d) body["allowDeliveryReports"] = d;
            if (parse.GetValue(Ndrs) is { } ndr) body["allowNonDeliveryReports"] = ndr;
            if (parse.GetValue(Charset) is { } c) body["characterSet"] = c.Length == 0 ? null : c;
            if (parse.GetValue(NonMimeCharset) is { } m) body["nonMimeCharacterSet"] = m.Length == 0 ? null : m;
            if (parse.GetValue(LineWrap) is { } w)
                body["lineWrapSize"] = w.Equals("unlimited", StringComparison.OrdinalIgnoreCase) || w.Length == 0 ? null
                    : int.TryParse(w, out var width) ? width : throw new CliException($"--line-wrap takes a number of characters or 'unlimited', not '{w}'.");
            if (parse.GetValue(TrustedPartner) is { } t) body["trustedPartner"] = t;
        }
    }

    public static Command Create(CliContext context)
    {
        var command = new Command("remote-domain", "Remote domains: which automatic replies, forwards and reports may go to a domain outside the organization, its character sets and line wrapping, trusted partners");
        var domain = new Argument<string>("domain") { Description = "The remote domain: fabrikam.com, *.fabrikam.com, or * for the default entry (or the entry's id)" };
        Options NewOptions() => new(
            new("--name") { Description = "What admins call the entry (add: defaults to the domain)" },
            new("--allow-auto-replies") { Description = "true or false: automatic (out-of-office) replies may be sent there" },
            new("--allow-auto-forwards") { Description = "true or false: automatically forwarded messages may be sent there" },
            new("--allow-delivery-reports") { Description = "true or false: delivery reports (delivered, relayed, delayed DSNs, read receipts) may be sent there" },
            new("--allow-ndrs") { Description = "true or false: non-delivery reports may be sent there" },
            new("--charset") { Description = "MIME character set preference, e.g. iso-8859-1 (\"\" clears it)" },
            new("--non-mime-charset") { Description = "Character set for messages without MIME, e.g. iso-2022-jp (\"\" clears it)" },
            new("--line-wrap") { Description = "Wrap plain-text lines at this many characters, or 'unlimited'" },
            new("--trusted-partner") { Description = "true or false: the domain counts as inside the organization for rule and journal scopes" });

        var list = new Command("list", "List remote domains");
        context.Handle(list, async (_, client, output, ct) => output.Table(await client.GetAsync(Path, ct), Columns, "No remote domains."));

        var show = new Command("show", "Show one remote domain") { domain };
        context.Handle(show, async (parse, client, output, ct) => output.Details(await CliContext.FindAsync(client, Path, Key, parse.GetValue(domain)!, Noun, ct)));

        var addOptions = NewOptions();
        var add = new Command("add", "Add a remote domain, e.g. add fabrikam.com --allow-auto-replies false") { domain };
        foreach (var option in addOptions.All)
            add.Options.Add(option);
        context.Handle(add, async (parse, client, output, ct) =>
        {
            var body = new JsonObject { ["domainName"] = parse.GetValue(domain), ["name"] = parse.GetValue(domain) };
            addOptions.Apply(body, parse);
            var created = await client.SendAsync(HttpMethod.Post, Path, body, null, ct);
            output.Message($"Added {Column.Text(created.Body?[Key])}.");
            output.Details(created.Body);
        });

        var setOptions = NewOptions();
        var change = new Command("set", "Change a remote domain, e.g. set '*' --allow-ndrs false") { domain };
        foreach (var option in setOptions.All)
            change.Options.Add(option);
        context.Handle(change, async (parse, client, output, ct) =>
        {
            var saved = await CliContext.UpdateAsync(client, Path, Key, parse.GetValue(domain)!, Noun, body => setOptions.Apply(body, parse), ct);
            output.Message($"Saved {Column.Text(saved?[Key])}.");
            output.Details(saved);
        });

        var remove = new Command("remove", "Remove a remote domain (the default * entry stays)") { domain };
        context.Handle(remove, async (parse, client, output, ct) =>
        {
            await CliContext.RemoveAsync(client, Path, Key, parse.GetValue(domain)!, Noun, ct);
            output.Message($"Removed {parse.GetValue(domain)}.");
        });

        foreach (var sub in new[] { list, show, add, change, remove })
            command.Subcommands.Add(sub);
        return command;
    }
}
