using System.Text;

namespace Mailflow.Smtp;

/// <summary>
/// RFC 3461 §4 xtext, the encoding of ENVID, ORCPT's address and AUTH's mailbox: an octet outside
/// <c>!</c>..<c>~</c>, and <c>+</c> and <c>=</c>, is written <c>+XX</c> (upper-case hex). One
/// definition: the receive session decodes with it, delivery encodes with it.
/// </summary>
public static class Xtext
{
    /// <summary>Decodes <paramref name="value"/> (UTF-8 bytes decoded afterwards); false when it is not xtext.</summary>
    public static bool TryDecode(string value, out string decoded)
    {
        decoded = "";
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper(value[i + 1]) && !char.IsAsciiDigit(value[i + 1])
                    || !char.IsAsciiHexDigitUpper(value[i + 2]) && !char.IsAsciiDigit(value[i + 2]))
                    return false;
                bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                // RFC 6533 lets SMTPUTF8 sessions carry UTF-8 in ORCPT/ENVID; keep it as is.
                if (c <= '~')
                    return false;
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
            else
            {
                bytes.Add((byte)c);
            }
        }
        try
        {
            decoded = new UTF8Encoding(false, true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Encodes <paramref name="value"/>: its UTF-8 octets, each outside xchar as <c>+XX</c>.</summary>
    public static string Encode(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is < (byte)'!' or > (byte)'~' or (byte)'+' or (byte)'=')
                text.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                text.Append((char)b);
        }
        return text.ToString();
    }

    /// <summary>
    /// An ORCPT value as stored (<c>addr-type;decoded address</c>, see <c>RcptParameters</c>) written
    /// for the wire: the address type as it is, the address as xtext (RFC 3461 §4.2).
    /// </summary>
    public static string EncodeOriginalRecipient(string stored)
    {
        var semicolon = stored.IndexOf(';');
        return semicolon <= 0 ? "rfc822;" + Encode(stored) : stored[..(semicolon + 1)] + Encode(stored[(semicolon + 1)..]);
    }
}
