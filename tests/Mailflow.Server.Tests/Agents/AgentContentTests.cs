using System.Text;
using Mailflow.Server.Transport.Agents;
using MimeKit;

namespace Mailflow.Server.Tests.Agents;

/// <summary>What end-of-data agents read of the staged message.</summary>
public sealed class AgentContentTests
{
    [Fact]
    public async Task Headers_AfterAnotherAgentParsedTheWholeMessage_StillHoldTheContentFields()
    {
        var bytes = Encoding.ASCII.GetBytes(
            "Received: from client.test by mx.local.test\r\nFrom: a@remote.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n");
        var content = new AgentContent(bytes.Length, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));

        // An earlier agent (DKIM verification, rules) parsed the message: MimeKit keeps Content-* on the body.
        Assert.Null((await content.GetMessageAsync(CancellationToken.None)).Headers[HeaderId.ContentType]);
        var headers = await content.GetHeadersAsync(CancellationToken.None);

        Assert.Equal("multipart/mixed; boundary=b", headers[HeaderId.ContentType]?.Trim());
        Assert.Equal("a@remote.test", headers[HeaderId.From]?.Trim());
        Assert.Same(headers, await content.GetHeadersAsync(CancellationToken.None));
    }
}
