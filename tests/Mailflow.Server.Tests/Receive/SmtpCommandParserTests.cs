using System.Buffers;
using System.Text;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Tests.Receive;

public class SmtpCommandParserTests
{
    private static (SmtpCommand? Command, SmtpReply? Error) Parse(string line)
    {
        var parser = new SmtpCommandParser();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));
        Assert.True(parser.TryParse(ref reader, out var command, out var error), $"'{line}' should be a complete line");
        Assert.True(reader.End, "the whole line should be consumed");
        Assert.True(command is null ^ error is null);
        return (command, error);
    }

    private static SmtpReply ParseError(string line)
    {
        var (command, error) = Parse(line);
        Assert.True(error is not null, $"'{line.TrimEnd()}' should be refused but parsed as {command}");
        return error!;
    }

    [Theory]
    [InlineData("EHLO client.example\r\n", SmtpVerb.Ehlo)]
    [InlineData("ehlo client.example\r\n", SmtpVerb.Ehlo)]
    [InlineData("HeLo client.example\r\n", SmtpVerb.Helo)]
    [InlineData("MAIL FROM:<a@b.example>\r\n", SmtpVerb.Mail)]
    [InlineData("mail from:<a@b.example>\r\n", SmtpVerb.Mail)]
    [InlineData("RCPT TO:<a@b.example>\r\n", SmtpVerb.Rcpt)]
    [InlineData("DATA\r\n", SmtpVerb.Data)]
    [InlineData("data\r\n", SmtpVerb.Data)]
    [InlineData("BDAT 10 LAST\r\n", SmtpVerb.Bdat)]
    [InlineData("RSET\r\n", SmtpVerb.Rset)]
    [InlineData("NOOP\r\n", SmtpVerb.Noop)]
    [InlineData("NOOP anything at all\r\n", SmtpVerb.Noop)]
    [InlineData("QUIT\r\n", SmtpVerb.Quit)]
    [InlineData("VRFY postmaster\r\n", SmtpVerb.Vrfy)]
    [InlineData("HELP\r\n", SmtpVerb.Help)]
    [InlineData("StartTls\r\n", SmtpVerb.StartTls)]
    [InlineData("AUTH PLAIN\r\n", SmtpVerb.Auth)]
    public void Parse_WhenVerbIsKnown_ReturnsCommandCaseInsensitively(string line, SmtpVerb verb)
    {
        var (command, _) = Parse(line);
        Assert.Equal(verb, command!.Verb);
    }

    [Theory]
    [InlineData("FOO\r\n", "500 5.5.2")]
    [InlineData("EXPN staff\r\n", "502 5.5.1")]
    [InlineData("DATA now\r\n", "501 5.5.2")]
    [InlineData("QUIT please\r\n", "501 5.5.2")]
    [InlineData("EHLO\r\n", "501 5.5.2")]
    [InlineData("EHLO a b\r\n", "501 5.5.2")]
    [InlineData("VRFY\r\n", "501 5.5.2")]
    [InlineData("BDAT\r\n", "501 5.5.4")]
    [InlineData("BDAT x\r\n", "501 5.5.4")]
    [InlineData("BDAT 10 FIRST\r\n", "501 5.5.4")]
    [InlineData("BDAT -1\r\n", "501 5.5.4")]
    [InlineData("BDAT 1234567890123456789\r\n", "501 5.5.4")]
    [InlineData("NOOP\rX\r\n", "500 5.5.2")]
    [InlineData("NOOP\0\r\n", "501 5.5.2")]
    public void Parse_WhenLineIsInvalid_ReturnsReply(string line, string expected)
    {
        var error = ParseError(line);
        Assert.StartsWith(expected, error.Lines.Last());
    }

    [Fact]
    public void Parse_WhenLineEndsInBareLf_Returns500LineMustEndInCrlf()
    {
        var error = ParseError("NOOP\n");
        Assert.Equal(500, error.Code);
        Assert.Equal("5.5.2", error.Enhanced.ToString());
        Assert.Contains("CRLF", error.Text);
    }

    [Fact]
    public void Parse_WhenLineIsIncomplete_NeedsMoreAndConsumesNothing()
    {
        var parser = new SmtpCommandParser();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("MAIL FROM:<a@b>\r"u8.ToArray()));
        Assert.False(parser.TryParse(ref reader, out _, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void Parse_WhenLineIsOverlong_DrainsToCrlfThenReplies500AndParsesTheNextLine()
    {
        var parser = new SmtpCommandParser();
        var longLine = "NOOP " + new string('x', SmtpCommandParser.MaxCommandLineLength * 3);

        // The first chunk has no CRLF and exceeds the limit: consumed (drained), not buffered.
        var first = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(longLine[..(SmtpCommandParser.MaxCommandLineLength + 10)])));
        Assert.False(parser.TryParse(ref first, out _, out _));
        Assert.True(first.End);

        var rest = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(longLine[(SmtpCommandParser.MaxCommandLineLength + 10)..] + "\r\nRSET\r\n")));
        Assert.True(parser.TryParse(ref rest, out var command, out var error));
        Assert.Null(command);
        Assert.Equal("500 5.5.6 Line too long", error!.Lines.Single());

        Assert.True(parser.TryParse(ref rest, out command, out error));
        Assert.Null(error);
        Assert.Equal(SmtpVerb.Rset, command!.Verb);
    }

    [Fact]
    public void Parse_WhenLineIsAtTheLimit_IsAccepted()
    {
        var padding = new string('x', SmtpCommandParser.MaxCommandLineLength - "NOOP \r\n".Length); // the limit includes CRLF
        var (command, _) = Parse($"NOOP {padding}\r\n");
        Assert.Equal(SmtpVerb.Noop, command!.Verb);
    }

    [Fact]
    public void Parse_WhenAuthCarriesALongToken_AcceptsUpToTheAuthLimit_OtherCommandsStayAt2048()
    {
        // RFC 4954 §4: an AUTH line with its initial response may hold 12288 octets (OAuth access tokens need more than 2048).
        var token = new string('A', SmtpCommandParser.MaxAuthLineLength - "AUTH OAUTHBEARER \r\n".Length);
        var (command, _) = Parse($"AUTH OAUTHBEARER {token}\r\n");
        Assert.Equal(token, Assert.IsType<AuthCommand>(command).InitialResponse);
        Assert.Equal(SmtpReplies.CommandLineTooLong, ParseError($"auth OAUTHBEARER {token}A\r\n"));
        Assert.Equal(SmtpReplies.CommandLineTooLong, ParseError($"NOOP {new string('x', SmtpCommandParser.MaxCommandLineLength)}\r\n"));
    }

    [Fact]
    public void Parse_WhenBufferHoldsSeveralLines_TakesOneAtATime()
    {
        var parser = new SmtpCommandParser();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("RSET\r\nNOOP\nQUIT\r\nHELP"u8.ToArray()));
        var results = new List<string>();
        while (parser.TryParse(ref reader, out var command, out var error))
            results.Add(command?.Verb.ToString() ?? error!.Lines.Single()[..9]);
        Assert.Equal(["Rset", "500 5.5.2", "Quit"], results);
        Assert.Equal(4, reader.Remaining); // "HELP" waits for its CRLF
    }

    [Fact]
    public void Parse_WhenMailHasNullSender_SenderIsNull()
    {
        var mail = Assert.IsType<MailCommand>(Parse("MAIL FROM:<>\r\n").Command);
        Assert.Null(mail.Sender);
    }

    [Fact]
    public void Parse_WhenMailHasEveryParameter_KeepsThemAll()
    {
        var mail = Assert.IsType<MailCommand>(Parse("MAIL FROM:<Jöe@Example.COM> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B314 AUTH=<>\r\n").Command);
        Assert.Equal("Jöe", mail.Sender!.LocalPart);
        Assert.Equal("example.com", mail.Sender.Domain);
        Assert.Equal(new MailParameters(1000, BodyType.EightBitMime, true, DsnReturn.Headers, "QQ+314", "<>"), mail.Parameters);
    }

    [Fact]
    public void Parse_WhenMailHasSpaceAfterColon_IsTolerated()
    {
        var mail = Assert.IsType<MailCommand>(Parse("MAIL FROM: <a@b.example>\r\n").Command);
        Assert.Equal("a@b.example", mail.Sender!.Address);
    }

    [Theory]
    [InlineData("MAIL FROM:a@b.example\r\n", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b.example\r\n", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@>\r\n", "501 5.1.7")]
    [InlineData("MAIL TO:<a@b.example>\r\n", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b.example>SIZE=1\r\n", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@b.example> FOO=1\r\n", "555 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=abc\r\n", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> SIZE=1 SIZE=2\r\n", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> BODY=9BIT\r\n", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> SMTPUTF8=yes\r\n", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> RET=ALL\r\n", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@b.example> ENVID=a+zz\r\n", "501 5.5.4")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS\r\n", "501 5.5.4")]
    [InlineData("RCPT TO:<a@b.example> NOTIFY=SOMETIMES\r\n", "501 5.5.4")]
    [InlineData("RCPT TO:<a@b.example> ORCPT=a@b\r\n", "501 5.5.4")]
    [InlineData("RCPT TO:<a@b.example> XFOO\r\n", "555 5.5.4")]
    public void Parse_WhenParametersAreBad_ReturnsReply(string line, string expected)
    {
        Assert.StartsWith(expected, ParseError(line).Lines.Single());
    }

    [Theory]
    [InlineData("<user@local.test>", "user", "local.test", false, false, false)]
    [InlineData("<User@LOCAL.Test>", "User", "local.test", false, false, false)]
    [InlineData("<\"john doe\"@local.test>", "\"john doe\"", "local.test", true, false, false)]
    [InlineData("<\"a\\\"b\"@local.test>", "\"a\\\"b\"", "local.test", true, false, false)]
    [InlineData("<\"user@ext.test\"@local.test>", "\"user@ext.test\"", "local.test", true, false, false)]
    [InlineData("<user@[192.0.2.1]>", "user", "[192.0.2.1]", false, true, false)]
    [InlineData("<user@[IPv6:2001:db8::1]>", "user", "[ipv6:2001:db8::1]", false, true, false)]
    [InlineData("<@hop1.test,@hop2.test:user@final.test>", "user", "final.test", false, false, true)]
    [InlineData("<user%ext.test@local.test>", "user%ext.test", "local.test", false, false, false)]
    [InlineData("<ext.test!user@local.test>", "ext.test!user", "local.test", false, false, false)]
    [InlineData("<first.last+tag@sub.local.test>", "first.last+tag", "sub.local.test", false, false, false)]
    [InlineData("<用户@例子.测试>", "用户", "例子.测试", false, false, false)]
    public void Parse_WhenRecipientPathIsValid_ReturnsAddress(string path, string local, string domain, bool quoted, bool literal, bool route)
    {
        var rcpt = Assert.IsType<RcptCommand>(Parse($"RCPT TO:{path}\r\n").Command);
        Assert.Equal(new SmtpAddress(local, domain, quoted, literal, route), rcpt.Recipient);
    }

    [Fact]
    public void Parse_WhenRecipientIsBarePostmaster_IsAccepted()
    {
        var rcpt = Assert.IsType<RcptCommand>(Parse("RCPT TO:<Postmaster>\r\n").Command);
        Assert.True(rcpt.Recipient.IsBarePostmaster);
    }

    [Fact]
    public void Parse_WhenRecipientHasDsnParameters_KeepsThem()
    {
        var rcpt = Assert.IsType<RcptCommand>(Parse("RCPT TO:<a@b.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@b.example\r\n").Command);
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, rcpt.Parameters.Notify);
        Assert.Equal("rfc822;a+x@b.example", rcpt.Parameters.OriginalRecipient);
    }

    [Theory]
    [InlineData("<user@local.test.>")]          // trailing dot
    [InlineData("<user@ext.test@local.test>")]  // two @
    [InlineData("<user.@local.test>")]          // dot at end of local part
    [InlineData("<.user@local.test>")]
    [InlineData("<us..er@local.test>")]
    [InlineData("<user@local..test>")]
    [InlineData("<user@-local.test>")]
    [InlineData("<user@local_test>")]
    [InlineData("<@local.test>")]
    [InlineData("<user>")]
    [InlineData("<>")]
    [InlineData("<user@>")]
    [InlineData("<user@[192.0.2]>")]
    [InlineData("<user@[300.0.2.1]>")]
    [InlineData("<user@[foo:bar]>")]
    [InlineData("<@hop1.test:>")]
    [InlineData("<@hop1.test user@final.test>")]
    [InlineData("<\"unterminated@local.test>")]
    [InlineData("<user name@local.test>")]
    [InlineData("user@local.test")]
    public void Parse_WhenRecipientPathIsInvalid_Returns501BadRecipient(string path)
    {
        Assert.StartsWith("501 5.1.3", ParseError($"RCPT TO:{path}\r\n").Lines.Single());
    }

    [Fact]
    public void Parse_WhenAuthHasInitialResponse_KeepsIt()
    {
        var auth = Assert.IsType<AuthCommand>(Parse("auth plain AGFsaWNlAHB3\r\n").Command);
        Assert.Equal("PLAIN", auth.Mechanism);
        Assert.Equal("AGFsaWNlAHB3", auth.InitialResponse);
    }

    [Fact]
    public void Parse_WhenBdatHasLast_ReturnsSizeAndLast()
    {
        Assert.Equal(new BdatCommand(4096, true), Parse("BDAT 4096 last\r\n").Command);
        Assert.Equal(new BdatCommand(0, false), Parse("BDAT 0\r\n").Command);
    }

    [Fact]
    public void Parse_WhenLineIsNotUtf8_Returns501()
    {
        var parser = new SmtpCommandParser();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>([(byte)'E', (byte)'H', (byte)'L', (byte)'O', (byte)' ', 0xC3, 0x28, (byte)'\r', (byte)'\n']));
        Assert.True(parser.TryParse(ref reader, out _, out var error));
        Assert.Equal(501, error!.Code);
    }
}
