namespace Mailflow.Queue;

/// <summary>Relative urgency; claims take higher priorities first. Stored as a number so it orders in SQL.</summary>
public enum QueuePriority
{
    Low = -1,
    Normal = 0,
    High = 1,
}
