namespace Mailflow.Configuration;

/// <summary>
/// A configuration object whose audit entries record a chosen view instead of every property — for
/// objects whose content is not the admin's to read back (a certificate's key material).
/// </summary>
public interface IAuditedAs
{
    /// <summary>What the audit log's before/after shows for this object.</summary>
    object AuditView { get; }
}
