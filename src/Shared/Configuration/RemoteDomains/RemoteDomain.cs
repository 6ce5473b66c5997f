namespace Mailflow.Configuration;

/// <summary>
/// One remote domain (Exchange's Set-RemoteDomain): how mail leaving the organization for a domain
/// is treated. <see cref="DomainName"/> is a domain (<c>fabrikam.com</c>), every subdomain of one
/// (<c>*.fabrikam.com</c>, the domain itself not included — <see cref="AddressPattern"/>'s one meaning) or
/// <c>*</c>, the default entry that always exists and covers every domain no other entry names.
/// <para>The categorizer applies the entry that covers each recipient outside the accepted domains:
/// automatic replies, automatic forwards, delivery reports and non-delivery reports that the entry does
/// not allow are not sent to that recipient (dropped with a trace line; never an NDR). At delivery over
/// SMTP the character sets and the line-wrap length shape the delivery's copy. A trusted partner's
/// addresses count as inside the organization for mail flow rules' scopes and journal rules' scopes
/// (nothing else: routing, address rewriting, relay and DKIM still treat it as outside).</para>
/// </summary>
public sealed class RemoteDomain : IConfigurationObject
{
    /// <summary>The default entry's domain: every domain no other entry covers.</summary>
    public const string DefaultDomainName = "*";
    /// <summary>The default entry's fixed id (created by the migration that added remote domains).</summary>
    public static readonly Guid DefaultId = new("7e5e8f1a-3c1b-4f0e-9a55-2d4c6b0d1f01");
    public const int MaxNameLength = 64;
    public const int MaxCharsetLength = 40;
    /// <summary>Shortest line-wrap length accepted: below it text becomes unreadable.</summary>
    public const int MinLineWrapSize = 30;
    /// <summary>RFC 5322 §2.1.1: a line is at most 998 characters.</summary>
    public const int MaxLineWrapSize = 998;

    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>What admins call the entry, unique.</summary>
    public string Name { get; set; } = "";
    /// <summary><c>fabrikam.com</c>, <c>*.fabrikam.com</c> or <c>*</c>; unique, stored normalized (the configuration document's key).</summary>
    public string DomainName { get; set; } = "";
    /// <summary>Automatic replies (out-of-office, auto-responders) may be sent there (Exchange's AutoReplyEnabled).</summary>
    public bool AllowAutomaticReplies { get; set; } = true;
    /// <summary>Automatically forwarded messages may be sent there (Exchange's AutoForwardEnabled).</summary>
    public bool AllowAutomaticForwards { get; set; } = true;
    /// <summary>Delivery reports — success, relayed, delayed DSNs and read receipts — may be sent there (Exchange's DeliveryReportEnabled).</summary>
    public bool AllowDeliveryReports { get; set; } = true;
    /// <summary>Non-delivery reports (DSNs whose action is "failed") may be sent there (Exchange's NDREnabled).</summary>
    public bool AllowNonDeliveryReports { get; set; } = true;
    /// <summary>MIME character set preference (Exchange's CharacterSet): text parts are re-encoded in it when every character fits; null leaves them as they are.</summary>
    public string? CharacterSet { get; set; }
    /// <summary>Character set for messages without MIME (Exchange's NonMimeCharacterSet): their 8-bit text is sent in it and labelled; null leaves them as they are.</summary>
    public string? NonMimeCharacterSet { get; set; }
    /// <summary>Plain-text lines longer than this are wrapped at delivery (Exchange's LineWrapSize); null is unlimited.</summary>
    public int? LineWrapSize { get; set; }
    /// <summary>A trusted partner: its addresses count as inside the organization for rule and journal scopes.</summary>
    public bool TrustedPartner { get; set; }
    public int Revision { get; set; }

    public bool IsDefault => DomainName == DefaultDomainName;

    public string DisplayName => $"{Name} ({DomainName})";

    /// <summary>Whether the entry restricts what may be sent (one of the four kinds is not allowed).</summary>
    public bool RestrictsMessages => !(AllowAutomaticReplies && AllowAutomaticForwards && AllowDeliveryReports && AllowNonDeliveryReports);

    /// <summary>Whether the entry shapes the content at delivery (character sets or line wrapping).</summary>
    public bool ShapesContent => CharacterSet is not null || NonMimeCharacterSet is not null || LineWrapSize is not null;

    /// <summary>The default entry as the migration creates it and a configuration document without one resets it to.</summary>
    public static RemoteDomain CreateDefault() => new() { Id = DefaultId, Name = "Default", DomainName = DefaultDomainName };
}
