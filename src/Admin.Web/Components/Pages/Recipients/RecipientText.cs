using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Pages.Recipients;

/// <summary>Plain-language names for recipient kinds and delivery kinds.</summary>
public static class RecipientText
{
    public static string Label(RecipientKind kind) => kind switch
    {
        RecipientKind.Mailbox => "Mailbox",
        RecipientKind.Alias => "Alias",
        RecipientKind.DistributionGroup => "Group",
        RecipientKind.MailContact => "Contact",
        _ => kind.ToString(),
    };

    public static string Explanation(RecipientKind kind) => kind switch
    {
        RecipientKind.Mailbox => "Mail is delivered to a Maildir folder or handed to a mailbox server over LMTP or SMTP. A mailbox can sign in to send mail.",
        RecipientKind.Alias => "An extra address that forwards everything to another recipient.",
        RecipientKind.DistributionGroup => "Mail is copied to every member; members can be groups themselves.",
        RecipientKind.MailContact => "An address in your directory that forwards to an address outside the organization.",
        _ => "",
    };

    public static string Label(MailboxDeliveryKind kind) => kind switch
    {
        MailboxDeliveryKind.Maildir => "Maildir folder",
        MailboxDeliveryKind.Lmtp => "LMTP server",
        MailboxDeliveryKind.Smtp => "SMTP server",
        _ => kind.ToString(),
    };

    public static string TargetHelp(MailboxDeliveryKind kind) => kind switch
    {
        MailboxDeliveryKind.Maildir => "Folder path; relative paths are under the data directory. Empty: maildir/<address>.",
        MailboxDeliveryKind.Lmtp => "host:port (mailstore.contoso.com:24) or unix:/path/to/socket.",
        MailboxDeliveryKind.Smtp => "host or host:port of the mailbox server.",
        _ => "",
    };
}
