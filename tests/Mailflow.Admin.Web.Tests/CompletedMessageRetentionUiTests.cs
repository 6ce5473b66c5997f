using Mailflow.Admin.Web.Components.Pages.Logs;
using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Tests;

/// <summary>
/// The completed-message retention in the admin center: the Log retention panel shows the figure with its label and
/// helper text and refuses 0 (keep for ever) next to the field; the message details of a purged message say the
/// message and its content are no longer kept instead of failing.
/// </summary>
public sealed class CompletedMessageRetentionUiTests : MudBunitContext
{
    private readonly RecordingQueueOperations _operations = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(_operations);
        services.AddSingleton<Queue.MessagePreviewReader>();
    }

    [Fact]
    public async Task Panel_ShowsTheCompletedMessageDays_AndRefusesZeroNextToTheField()
    {
        SignInAs("olivia", AdminRoles.OrganizationManagement);
        RenderProviders();
        var panel = Render<LogRetentionPanel>();
        panel.WaitForAssertion(() => Assert.Contains("completed messages 7 days", panel.Markup), WaitTimeout);
        panel.Find("#log-retention .mud-expand-panel-header").Click();

        var input = panel.WaitForElement("#retention-completed-days", WaitTimeout);
        Assert.Equal("7", input.GetAttribute("value"));
        var control = input.Closest(".mud-input-control")!;
        Assert.Contains("Completed messages: days", control.TextContent);
        Assert.Contains("deleted this many days after their last change", control.QuerySelector(".mud-input-helper-text")!.TextContent);

        input.Input("0");
        panel.WaitForAssertion(() =>
        {
            var field = panel.Find("#retention-completed-days").Closest(".mud-input-control")!;
            Assert.Contains("1 to 3,650 days", field.QuerySelector(".mud-input-helper-text")!.TextContent);
            Assert.NotNull(field.QuerySelector(".mud-input-error"));
        }, WaitTimeout);

        await panel.Find("#log-retention-save").ClickAsync(new());
        panel.WaitForAssertion(() => Assert.Contains("1 to 3,650 days", panel.Find("#retention-completed-days").Closest(".mud-input-control")!.TextContent), WaitTimeout);
        Assert.Equal(LogRetentionDefaults.CompletedMessageDays, (await Services.GetRequiredService<OperationsSettingsService>().GetAsync()).LogRetention.CompletedMessageDays);
    }

    [Fact]
    public async Task Details_OfAPurgedMessage_SayItIsNoLongerKept()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var dialogs = RenderProviders().Dialogs;

        await dialogs.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<MessageDetailsDialog>("Message Q000099",
            new DialogParameters<MessageDetailsDialog> { { d => d.QueueId, "Q000099" }, { d => d.Actor, new AdminActor("victor", new HashSet<string> { AdminRoles.ViewOnly }) } }));

        dialogs.WaitForAssertion(() => Assert.Equal(QueuedMessageAbsence.Text("Q000099"), dialogs.Find("#details-gone").TextContent.Trim()), WaitTimeout);
        Assert.Contains("no longer kept", dialogs.Find("#details-gone").TextContent);
        Assert.Empty(dialogs.FindAll("#details-error"));
        Assert.NotNull(dialogs.Find("#details-trace"));
    }
}
