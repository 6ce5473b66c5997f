using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Admin.Web.Queue;
using MimeKit;

namespace Mailflow.Admin.Web.Tests;

public sealed class MessagePreviewTests : MudBunitContext
{
    protected override bool SeedDefaults => false;

    private const string Hostile = "<script>alert('owned')</script><img src=\"https://tracker.test/pixel.gif\">";

    [Fact]
    public void TextBody_WhenItContainsScript_IsShownEscaped()
    {
        var page = Render<MessagePreviewView>(p => p.Add(x => x.Preview, new MessagePreview([], Hostile, null, false)));

        Assert.Empty(page.FindAll("script"));
        Assert.Empty(page.FindAll("img"));
        Assert.Equal(Hostile, page.Find("#preview-text").TextContent);
        Assert.Contains("&lt;script&gt;", page.Markup);
    }

    [Fact]
    public void HtmlBody_WhenShown_IsOnlyInsideASandboxedIframeThatForbidsScriptsAndRemoteContent()
    {
        var page = Render<MessagePreviewView>(p => p.Add(x => x.Preview, new MessagePreview([], null, Hostile, false)));

        Assert.Empty(page.FindAll("script"));
        Assert.Empty(page.FindAll("img"));
        var frame = page.Find("iframe#preview-html");
        Assert.Equal("", frame.GetAttribute("sandbox"));
        var document = frame.GetAttribute("srcdoc")!;
        Assert.Contains("default-src 'none'", document);
        Assert.Contains(Hostile, document);
    }

    [Fact]
    public void HtmlSource_WhenToggled_IsShownEscaped()
    {
        var page = Render<MessagePreviewView>(p => p.Add(x => x.Preview, new MessagePreview([], null, Hostile, false)));

        page.Find("input#preview-html-source-toggle, #preview-html-source-toggle input").Change(true);

        Assert.Equal(Hostile, page.Find("#preview-html-source").TextContent);
        Assert.Empty(page.FindAll("script"));
        Assert.Empty(page.FindAll("iframe"));
    }

    [Fact]
    public void Parse_WhenMessageIsMultipart_KeepsHeadersAndBothBodies()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("bob@fabrikam.test"));
        message.Subject = "Quarterly numbers";
        message.Body = new BodyBuilder { TextBody = "plain words", HtmlBody = "<p>html words</p>" }.ToMessageBody();

        var preview = MessagePreviewReader.Parse(message);

        Assert.Contains(preview.Headers, h => h.Key == "Subject" && h.Value == "Quarterly numbers");
        Assert.Equal("plain words", preview.TextBody!.Trim());
        Assert.Equal("<p>html words</p>", preview.HtmlBody!.Trim());
        Assert.False(preview.Truncated);
    }
}
