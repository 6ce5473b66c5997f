namespace Mailflow.Server.Transport.Categorize;

public sealed class RecipientResolverOptions
{
    /// <summary>
    /// The most final recipients one envelope recipient may expand to through distribution groups
    /// (after duplicates are removed). Exchange treats groups above 5,000 members as "large groups"
    /// (OfficeDocs-Exchange, large distribution groups); the members past the limit get an NDR.
    /// </summary>
    public int MaxGroupExpansionRecipients { get; init; } = 5000;
}
