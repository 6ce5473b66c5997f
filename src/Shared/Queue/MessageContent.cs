namespace Mailflow.Queue;

/// <summary>
/// The message bytes (bytea on PostgreSQL, BLOB on SQLite), in the store rather than a local spool
/// so any node sharing the database can deliver the message. Written and read as streams only;
/// never loaded through EF change tracking.
/// </summary>
public sealed class MessageContent
{
    /// <summary>Also the SQLite rowid of the row, which incremental blob I/O addresses.</summary>
    public long MessageId { get; set; }
    public byte[] Data { get; set; } = [];
}
