namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// The account has had too many failed attempts for now: the session answers a temporary failure
/// (454 4.7.0, RFC 4954 §6) without the password being checked.
/// </summary>
public sealed class AuthThrottledException() : Exception("Too many failed attempts for this account; try again later.");
