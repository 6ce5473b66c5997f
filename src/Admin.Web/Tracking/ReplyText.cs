namespace Mailflow.Admin.Web.Tracking;

/// <summary>An SMTP reply for display: tracking stores the reply line with its code, queue rows store them apart.</summary>
public static class ReplyText
{
    public static string? Format(int? code, string? reply) => (code, reply) switch
    {
        (null, _) => reply,
        (_, null or "") => code.ToString(),
        _ when reply.StartsWith(code.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) => reply,
        _ => $"{code} {reply}",
    };
}
