using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>Checks AUTH PLAIN/LOGIN credentials (RFC 4954) against recipients' submission passwords.</summary>
public interface ISubmissionAuthenticator
{
    /// <returns>The identity, or null when the credentials are wrong (the session answers 535 5.7.8).</returns>
    /// <exception cref="Exception">The directory could not be asked: the session answers 454 4.7.0.</exception>
    ValueTask<SubmissionIdentity?> AuthenticateAsync(string userName, string password, System.Net.IPAddress client, CancellationToken cancellationToken);
}

/// <summary>
/// Who authenticated, and which MAIL FROM addresses they may use: their own addresses plus
/// send-as grants (an address or <c>*@domain</c>).
/// </summary>
public sealed record SubmissionIdentity(string UserName, IReadOnlyCollection<string> OwnAddresses, IReadOnlyCollection<string> SendAs)
{
    public bool MaySendAs(SmtpAddress? sender)
    {
        if (sender is null)
            return true; // the null reverse-path (a bounce) names no one
        var address = $"{sender.UnquotedLocalPart}@{sender.Domain}";
        return OwnAddresses.Concat(SendAs).Any(allowed =>
            allowed.StartsWith("*@", StringComparison.Ordinal)
                ? string.Equals(allowed[2..], sender.Domain, StringComparison.OrdinalIgnoreCase)
                : string.Equals(allowed, address, StringComparison.OrdinalIgnoreCase));
    }
}
