using Mailflow.Configuration;
using MimeKit;

namespace Mailflow.Server.Transport.AddressRewriting;

/// <summary>One address field rewritten in a message's header.</summary>
public sealed record HeaderAddressRewrite(string Field, AddressRewrite Rewrite)
{
    public override string ToString() => $"{Field}: {Rewrite.Description}";
}

/// <summary>
/// Rewrites the addresses of a message's address fields (mailboxes, also inside groups) with one
/// direction of the <see cref="AddressRewriteTable"/>, keeping display names. Outbound: From, Sender,
/// Reply-To, To and Cc, as Exchange's address rewriting does; inbound: To and Cc, the recipients.
/// </summary>
public static class HeaderAddressRewriter
{
    public static readonly string[] OutboundFields = ["From", "Sender", "Reply-To", "To", "Cc"];
    public static readonly string[] InboundFields = ["To", "Cc"];

    public static IReadOnlyList<HeaderAddressRewrite> Rewrite(MimeMessage message, Func<string, AddressRewrite?> rewrite, IReadOnlyList<string> fields)
    {
        var done = new List<HeaderAddressRewrite>();
        foreach (var field in fields)
        {
            if (field == "Sender")
            {
                if (message.Sender is { } sender && rewrite(sender.Address) is { } senderRewrite)
                {
                    message.Sender = new MailboxAddress(sender.Name, senderRewrite.To);
                    done.Add(new HeaderAddressRewrite(field, senderRewrite));
                }
                continue;
            }
            var list = field switch
            {
                "From" => message.From,
                "Reply-To" => message.ReplyTo,
                "To" => message.To,
                "Cc" => message.Cc,
                _ => throw new ArgumentOutOfRangeException(nameof(fields), field, null),
            };
            RewriteList(list, field, rewrite, done);
        }
        return done;
    }

    private static void RewriteList(InternetAddressList list, string field, Func<string, AddressRewrite?> rewrite, List<HeaderAddressRewrite> done)
    {
        for (var i = 0; i < list.Count; i++)
        {
            switch (list[i])
            {
                case MailboxAddress mailbox when rewrite(mailbox.Address) is { } change:
                    // A new object, not a changed one: the list re-serializes the field from it.
                    list[i] = new MailboxAddress(mailbox.Name, change.To);
                    done.Add(new HeaderAddressRewrite(field, change));
                    break;
                case GroupAddress group:
                    RewriteList(group.Members, field, rewrite, done);
                    break;
            }
        }
    }
}
