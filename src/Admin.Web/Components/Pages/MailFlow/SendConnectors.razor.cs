using System.Net;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Send connectors: list, add, edit, remove, and test (a real SMTP session to the next hop, no message sent).
/// Changes go through <see cref="SendConnectorService"/>; the smart-host password is write-only.
/// </summary>
public sealed partial class SendConnectors
{
    [Inject] private SendConnectorService Service { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;

    private ISendConnectorTester? _tester;

    protected override string Noun => "send connector";

    protected override Task<IReadOnlyList<SendConnector>> ListAsync() => Service.ListAsync();

    protected override Task DeleteAsync(Guid id) => Service.DeleteAsync(Actor, id);

    protected override string RemovalConsequence(SendConnector connector) =>
        $"Mail for {WebUtility.HtmlEncode(string.Join(", ", connector.AddressSpaces.Select(s => s.Domain)))} will use another connector, or wait in the Unreachable queue if none serves it.";

    protected override async Task OnInitializedAsync()
    {
        // The tester lives in the server process (it owns DNS and the SMTP client).
        _tester = ServiceProvider.GetService<ISendConnectorTester>();
        await base.OnInitializedAsync();
    }

    private async Task TestAsync(SendConnector connector)
    {
        var parameters = new DialogParameters<SendConnectorTestDialog> { { d => d.Connector, connector } };
        await Dialogs.ShowAsync<SendConnectorTestDialog>($"Test {connector.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
    }
}
