namespace Mailflow.Configuration;

/// <summary>
/// Tells this node's engine that a configuration generation was saved. Writers publish after commit;
/// on PostgreSQL the listener republishes NOTIFYs from other nodes here too.
/// </summary>
public interface IConfigurationChangeBus
{
    void Publish(long generation);

    event Action<long>? Changed;
}

public sealed class InProcessConfigurationChangeBus : IConfigurationChangeBus
{
    public event Action<long>? Changed;

    public void Publish(long generation) => Changed?.Invoke(generation);
}
