using System.Text;
using System.Text.Json;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// The client messages and error challenges of the two bearer-token SASL mechanisms:
/// OAUTHBEARER (RFC 7628 §3.1: <c>gs2-header %x01 *(key=value %x01) %x01</c>, the token in <c>auth=Bearer …</c>)
/// and Google's and Microsoft's XOAUTH2 (<c>user=… %x01 auth=Bearer … %x01 %x01</c>).
/// </summary>
internal static class OAuthSaslMessage
{
    private const char Separator = '\u0001';
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <param name="user">The authorization identity of the gs2 header (<c>a=</c>), or null.</param>
    public static bool TryParseOAuthBearer(byte[] decoded, out string? user, out string token)
    {
        user = null;
        token = "";
        if (!TryDecode(decoded, out var text))
            return false;
        // gs2-header = gs2-cb-flag "," [gs2-authzid] ","   (RFC 5801 §4; channel binding is not supported: "y" or "n")
        var firstComma = text.IndexOf(',');
        if (firstComma < 0 || text[..firstComma] is not ("n" or "y"))
            return false;
        var secondComma = text.IndexOf(',', firstComma + 1);
        if (secondComma < 0)
            return false;
        var authzid = text[(firstComma + 1)..secondComma];
        if (authzid.Length > 0)
        {
            if (!authzid.StartsWith("a=", StringComparison.Ordinal))
                return false;
            user = authzid[2..].Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        }
        return TryTakeBearer(text[(secondComma + 1)..], out token);
    }

    public static bool TryParseXOAuth2(byte[] decoded, out string? user, out string token)
    {
        user = null;
        token = "";
        if (!TryDecode(decoded, out var text) || !text.StartsWith("user=", StringComparison.Ordinal))
            return false;
        var end = text.IndexOf(Separator);
        if (end < 0)
            return false;
        user = text[5..end];
        return TryTakeBearer(text[end..], out token);
    }

    /// <summary>OAUTHBEARER's error challenge (RFC 7628 §3.2.2); the client must answer it with %x01 ("AQ==").</summary>
    public static SmtpReply OAuthBearerError(string? openIdConfiguration) => Challenge(openIdConfiguration is null
        ? new Dictionary<string, string> { ["status"] = "invalid_token" }
        : new Dictionary<string, string> { ["status"] = "invalid_token", ["openid-configuration"] = openIdConfiguration });

    /// <summary>XOAUTH2's error challenge (Google's format); the client answers with an empty line.</summary>
    public static SmtpReply XOAuth2Error() => Challenge(new Dictionary<string, string> { ["status"] = "401", ["schemes"] = "bearer" });

    private static SmtpReply Challenge(Dictionary<string, string> error) =>
        new(334, EnhancedStatusCode.None, Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(error)));

    // kvsep *(key "=" value kvsep) kvsep, of which only auth=Bearer <token> matters.
    private static bool TryTakeBearer(string pairs, out string token)
    {
        token = "";
        if (pairs.Length < 2 || pairs[0] != Separator || !pairs.EndsWith($"{Separator}{Separator}", StringComparison.Ordinal))
            return false;
        foreach (var pair in pairs[1..^2].Split(Separator))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
                return false;
            if (pair[..equals] != "auth")
                continue;
            var value = pair[(equals + 1)..];
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
                return false;
            token = value[7..].Trim();
        }
        return token.Length > 0;
    }

    private static bool TryDecode(byte[] decoded, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(decoded);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
