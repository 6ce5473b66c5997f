namespace Mailflow.Configuration;

/// <summary>
/// An admin-managed configuration object. <see cref="Revision"/> is the optimistic-concurrency token:
/// every save increments it, and a save that started from an older revision is refused.
/// </summary>
public interface IConfigurationObject
{
    Guid Id { get; }
    string DisplayName { get; }
    int Revision { get; set; }
}
