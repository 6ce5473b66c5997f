using Mailflow.Smtp;

namespace Mailflow.Shared.Tests.Smtp;

/// <summary>RFC 3461 §4 xtext: what delivery writes decodes back to what the receive session stored.</summary>
public sealed class XtextTests
{
    [Theory]
    [InlineData("plain@example.test", "plain@example.test")]
    [InlineData("a+b=c d", "a+2Bb+3Dc+20d")]
    [InlineData("Grüße", "Gr+C3+BC+C3+9Fe")]
    public void Encode_writes_every_octet_outside_xchar_and_plus_and_equals_as_hex(string value, string expected)
    {
        Assert.Equal(expected, Xtext.Encode(value));
        Assert.True(Xtext.TryDecode(expected, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("rfc822;Bob+Old=1@Legacy.example", "rfc822;Bob+2BOld+3D1@Legacy.example")]
    [InlineData("x400;c=fr;s=dave", "x400;c+3Dfr;s+3Ddave")]
    public void An_original_recipient_keeps_its_address_type_and_encodes_its_address(string stored, string expected) =>
        Assert.Equal(expected, Xtext.EncodeOriginalRecipient(stored));

    [Theory]
    [InlineData("a+2")]
    [InlineData("a+zz")]
    [InlineData("a=b")]
    public void Malformed_xtext_is_refused(string value) => Assert.False(Xtext.TryDecode(value, out _));
}
