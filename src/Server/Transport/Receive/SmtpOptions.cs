namespace Mailflow.Server.Transport.Receive;

/// <summary><c>Mailflow:Smtp</c>: process-level switches for the SMTP engine (connector settings live in the store).</summary>
public sealed class SmtpOptions
{
    public const string Section = "Mailflow:Smtp";

    /// <summary>Run the receive connectors' listeners. Off for an admin-only node or tests of the web host alone.</summary>
    public bool Enabled { get; set; } = true;
}
