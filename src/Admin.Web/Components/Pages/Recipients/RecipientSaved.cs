using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Pages.Recipients;

/// <summary>What the recipient dialog saved; a generated submission password travels once, to be shown once.</summary>
public sealed record RecipientSaved(Recipient Recipient, string? GeneratedPassword = null);

/// <summary>The submission password a new mailbox starts with.</summary>
public enum NewPasswordChoice
{
    None,
    Set,
    Generate,
}
