namespace Mailflow.Configuration;

/// <summary>Which messages a journal rule records (Exchange's journal rule scope).</summary>
public enum JournalScope
{
    /// <summary>Every message.</summary>
    Global,
    /// <summary>Sender and every recipient inside the organization (accepted domains).</summary>
    Internal,
    /// <summary>The sender or a recipient outside the organization.</summary>
    External,
}

/// <summary>
/// A journal rule: messages in its scope, optionally only those for one recipient or a member of one
/// group, are recorded by an envelope journal report (Exchange's format) sent to the journal address.
/// </summary>
public sealed class JournalRule : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public JournalScope Scope { get; set; } = JournalScope.Global;
    /// <summary>Only messages for this recipient (an address, or a distribution group: its members); null = every recipient.</summary>
    public string? Recipient { get; set; }
    /// <summary>Where the journal reports go: a journal mailbox or an external archive's address.</summary>
    public string JournalAddress { get; set; } = "";
    /// <summary>Where a journal report that cannot be delivered goes (as a non-delivery report); null = it is dropped, recorded in the trace.</summary>
    public string? AlternateJournalAddress { get; set; }
    public int Revision { get; set; }

    public string DisplayName => Name;
}
