namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// What the receive session lets agents see of the client's input without reading it: whether octets
/// arrived that should still be waiting for our reply (a banner, a HELO reply). The session only
/// reports; the policy (postscreen's greet and pipelining tests) is an agent's.
/// </summary>
public interface IClientInputProbe
{
    /// <summary>
    /// At connect: the client sent anything before the banner. At a command: more input followed the
    /// command line before its reply was sent (pipelining).
    /// </summary>
    bool HasUnansweredInput { get; }
}
