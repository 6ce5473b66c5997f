namespace Mailflow.Smtp;

/// <summary>
/// An RFC 3463 enhanced mail system status code (<c>class.subject.detail</c>), sent in front of the
/// reply text once ENHANCEDSTATUSCODES is advertised (RFC 2034). <see cref="None"/> is only for the
/// two replies that precede that negotiation: the greeting and the EHLO keyword list.
/// </summary>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    public static readonly EnhancedStatusCode None = default;

    public bool IsNone => Class == 0;

    public static EnhancedStatusCode Parse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 3)
            throw new FormatException($"'{text}' is not an enhanced status code (class.subject.detail).");
        return new EnhancedStatusCode(int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    public override string ToString() => IsNone ? "" : $"{Class}.{Subject}.{Detail}";
}
