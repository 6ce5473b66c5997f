using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The message details' "Agent verdicts" row names each check in words, not the stored tag names.</summary>
public sealed class MessageDetailsVerdictsTests : MudBunitContext
{
    private readonly RecordingQueueOperations _operations = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(_operations);
        services.AddSingleton<Queue.MessagePreviewReader>();
    }

    [Fact]
    public async Task Agent_verdicts_are_shown_as_readable_names_with_their_domains()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var tags = new Dictionary<string, string>
        {
            [MessageTagNames.SpfResult] = "pass",
            [MessageTagNames.SpfDomain] = "example.com",
            [MessageTagNames.DkimResult] = "pass",
            [MessageTagNames.DkimPassDomains] = "example.com,esp.example",
            [MessageTagNames.DmarcResult] = "fail",
            [MessageTagNames.DmarcFromDomain] = "example.com",
            [MessageTagNames.DmarcDisposition] = "quarantine",
            [MessageTagNames.ArcResult] = "none",
            [MessageTagNames.SpamResult] = "scanned",
            [MessageTagNames.SpamScore] = "3.2",
            [MessageTagNames.SpamConfidenceLevel] = "4",
            ["custom.agent"] = "seen",
        };
        _operations.Details["Q000042"] = new QueuedMessageDetails(new QueuedMessage
        {
            QueueId = "Q000042", State = QueuedMessageState.Categorized, Sender = "alice@example.com", Subject = "Quarterly figures",
            ReceivedAt = DateTimeOffset.UtcNow, QueuedAt = DateTimeOffset.UtcNow, ClientAddress = "192.0.2.1", HeloName = "mail.example.com",
            ReceiveConnectorName = "Default Frontend", ReceivingNode = "node-a", AgentTags = MessageTags.Serialize(tags),
        }, []);
        var dialogs = RenderProviders().Dialogs;

        await dialogs.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<MessageDetailsDialog>("Message Q000042",
            new DialogParameters<MessageDetailsDialog> { { d => d.QueueId, "Q000042" }, { d => d.Actor, new AdminActor("victor", new HashSet<string> { AdminRoles.ViewOnly }) } }));

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=details-agent-verdict]")), WaitTimeout);
        Assert.Equal(
        [
            "SPF: pass (domain example.com)",
            "DKIM: pass (signed by example.com, esp.example)",
            "DMARC: fail (From domain example.com; the policy asks to quarantine)",
            "ARC: none",
            "Anti-spam: scanned (score 3.2; SCL 4)",
            "custom.agent: seen",
        ], dialogs.FindAll("[data-testid=details-agent-verdict]").Select(e => e.TextContent.Trim()));
        Assert.DoesNotContain("spf.result", dialogs.Find("[data-testid=details-agent-tags]").TextContent);
    }
}
