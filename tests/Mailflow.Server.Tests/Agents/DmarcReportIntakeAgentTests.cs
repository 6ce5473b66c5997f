using System.Text;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.DmarcReports;
using Mailflow.Dmarc;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Tests.Agents;

/// <summary>
/// The DMARC report intake reads a stored message back only when its Content-Type, seen at end of data,
/// is one a report arrives in; ordinary mail is never opened again after categorizing.
/// </summary>
public sealed class DmarcReportIntakeAgentTests
{
    private static DmarcReportIntakeAgent Agent() =>
        // The store is never reached on these paths: nothing here is a report.
        new(new DmarcReportService(null!), TimeProvider.System, NullLogger<DmarcReportIntakeAgent>.Instance);

    private static AgentContent Content(string contentType, Action? onOpen = null)
    {
        var bytes = Encoding.ASCII.GetBytes($"From: reports@fabrikam.test\r\nTo: dmarc@local.test\r\nSubject: Report Domain: local.test\r\nContent-Type: {contentType}\r\n\r\nbody\r\n");
        return new AgentContent(bytes.Length, _ =>
        {
            onOpen?.Invoke();
            return ValueTask.FromResult<Stream>(new MemoryStream(bytes));
        });
    }

    [Theory]
    [InlineData("multipart/mixed; boundary=x", true)]
    [InlineData("multipart/report; report-type=x; boundary=x", true)]
    [InlineData("application/gzip", true)]
    [InlineData("application/zip", true)]
    [InlineData("text/xml", true)]
    [InlineData("text/plain; charset=utf-8", false)]
    [InlineData("multipart/alternative; boundary=x", false)]
    [InlineData("text/html", false)]
    public async Task EndOfData_TagsOnlyTheContentTypesAReportComesIn(string contentType, bool candidate)
    {
        var message = AgentTestContext.Message("reports@fabrikam.test");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(), "203.0.113.9");

        var verdict = await Agent().OnEndOfDataAsync(session, message, Content(contentType), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, verdict.Kind);
        Assert.Equal(candidate, message.Tags.IsTrue(DmarcReportIntakeAgent.CandidateTag));
    }

    [Fact]
    public async Task Categorized_WithoutTheCandidateTag_NeverReadsTheStoredContent()
    {
        var opened = 0;
        var stored = new StoredMessageContext
        {
            QueueId = "Q1",
            Snapshot = AgentTestContext.Snapshot(),
            Sender = "reports@fabrikam.test",
            Tags = new AgentTags(),
            Recipients = [new StoredRecipient("dmarc@local.test", null)],
            Content = Content("multipart/mixed; boundary=x", () => opened++),
        };

        var verdict = await Agent().OnCategorizedAsync(stored, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, verdict.Kind);
        Assert.Null(verdict.Detail);
        Assert.Equal(0, opened);
    }
}
