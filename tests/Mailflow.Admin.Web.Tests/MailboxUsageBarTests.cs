using Mailflow.Admin.Web.Components.Pages.Recipients;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>A mailbox's size against its quota on the recipients page: green, amber from the warning threshold, red when full; the quota field in the dialog.</summary>
public sealed class MailboxUsageBarTests : MudBunitContext
{
    private const long Megabyte = 1024 * 1024;

    protected override void AddServices(IServiceCollection services) =>
        services.AddSingleton<IMailboxUsage>(new FixedUsage(new Dictionary<string, MailboxUsage>
        {
            ["anna@mailflow.local"] = new(95 * Megabyte, 100 * Megabyte, 90),
        }));

    [Theory]
    [InlineData(10 * Megabyte, "ok", "10 MB of 100 MB (10 %)")]
    [InlineData(92 * Megabyte, "warning", "92 MB of 100 MB (92 %): nearly full")]
    [InlineData(100 * Megabyte, "full", "100 MB of 100 MB (100 %): full")]
    public void The_bar_shows_the_share_of_the_quota_and_its_state(long used, string state, string text)
    {
        var bar = Render<MailboxUsageBar>(p => p.Add(x => x.Usage, new MailboxUsage(used, 100 * Megabyte, 90)));

        Assert.Equal(state, bar.Find("[data-testid=mailbox-usage]").GetAttribute("data-state"));
        Assert.Equal(text, bar.Find("[data-testid=mailbox-usage-text]").TextContent.Trim());
        Assert.NotEmpty(bar.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public void Without_a_limit_only_the_size_is_shown()
    {
        var bar = Render<MailboxUsageBar>(p => p.Add(x => x.Usage, new MailboxUsage(3 * Megabyte, null, 90)));

        Assert.Equal("3 MB (no limit)", bar.Find("[data-testid=mailbox-usage-text]").TextContent.Trim());
        Assert.Empty(bar.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public async Task The_recipients_page_shows_each_mailboxs_usage()
    {
        SignInAs("rita", AdminRoles.RecipientManagement);
        await Services.GetRequiredService<RecipientService>().CreateAsync(AdminActor.System,
            new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "anna@mailflow.local", DisplayName = "Anna", QuotaBytes = 100 * Megabyte });

        var page = Render<RecipientsPage>();

        page.WaitForAssertion(() => Assert.Equal("warning", page.Find("[data-testid=recipient-usage] [data-testid=mailbox-usage]").GetAttribute("data-state")), WaitTimeout);
        Assert.Equal("95 MB of 100 MB (95 %): nearly full", page.Find("[data-testid=recipient-usage] [data-testid=mailbox-usage-text]").TextContent.Trim());
    }

    /// <summary>The sizes a node would have measured (the Maildir walk itself is tested with the server).</summary>
    private sealed class FixedUsage(Dictionary<string, MailboxUsage> byAddress) : IMailboxUsage
    {
        public MailboxUsage? Find(Recipient recipient) => byAddress.GetValueOrDefault(recipient.PrimaryAddress);
    }
}
