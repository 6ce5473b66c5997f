using System.Text;
using Mailflow.Smtp;
using Mailflow.Server.Transport.Receive.Protocol;

namespace Mailflow.Fuzz.Targets;

/// <summary>
/// Address parsing: the path inside MAIL FROM/RCPT TO's brackets (RFC 5321 §4.1.2: source routes,
/// quoted local parts, address literals, internationalized domains) and the ESMTP parameters after it
/// (SIZE, BODY, RET, ENVID, NOTIFY, ORCPT with xtext). Promises: no crash; a parsed address parses
/// again from its own text to the same address.
/// </summary>
public sealed class AddressTarget : IFuzzTarget
{
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public string Name => "address";

    public void Run(ReadOnlySpan<byte> input)
    {
        var text = Lenient.GetString(input);
        var newline = text.IndexOf('\n');
        var path = newline < 0 ? text : text[..newline];
        var parameters = newline < 0 ? "" : text[(newline + 1)..];

        if (SmtpPathParser.TryParseMailbox(path, out var address))
        {
            FuzzTargets.Require(SmtpPathParser.TryParseMailbox(address.Address, out var again), $"a parsed address parses again: {address.Address}");
            FuzzTargets.Require(again.LocalPart == address.LocalPart && again.Domain == address.Domain, "a parsed address parses again to itself");
            _ = address.UnquotedLocalPart;
            _ = address.IsAscii;
        }
        _ = SmtpPathParser.IsDomain(path);
        _ = SmtpPathParser.IsAddressLiteral(path);
        var (mail, mailError) = SmtpParameterParser.ParseMail(parameters);
        FuzzTargets.Require(mail is null != mailError is null, "MAIL parameters parse or are refused");
        var (rcpt, rcptError) = SmtpParameterParser.ParseRcpt(parameters);
        FuzzTargets.Require(rcpt is null != rcptError is null, "RCPT parameters parse or are refused");
        _ = Xtext.TryDecode(parameters, out _);
    }
}
