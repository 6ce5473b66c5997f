using Mailflow.Configuration;
using Mailflow.WhatIf;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// "Test mail flow": a form for a message and the engine's answer in panels (connection, RCPT,
/// rules with per-condition explanations, resolution, routing). The server's <see cref="IMailFlowTester"/>
/// runs the engine's own decision code; this page only collects input and shows the result.
/// </summary>
public sealed partial class TestMailFlow
{
    [Inject] private IMailFlowTester Tester { get; set; } = default!;
    [Inject] private ReceiveConnectorService ReceiveConnectors { get; set; } = default!;

    private string _sender = "";
    private string _recipients = "";
    private string? _clientIp;
    private string? _connector;
    private bool _authenticated;
    private string? _subject;
    private string? _body;
    private bool _resolveMx = true;
    private bool _running;
    private string? _error;
    private MailFlowTestResult? _result;
    private IReadOnlyList<string> _connectorNames = [];

    protected override async Task OnInitializedAsync() =>
        _connectorNames = [.. (await ReceiveConnectors.ListAsync()).Select(c => c.Name)];

    private async Task RunAsync()
    {
        _running = true;
        _error = null;
        try
        {
            _result = await Tester.TestAsync(new MailFlowTestRequest
            {
                Sender = _sender,
                Recipients = [.. _recipients.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                ClientIp = _clientIp,
                ReceiveConnector = _connector,
                Authenticated = _authenticated,
                Subject = _subject,
                Body = _body,
                ResolveMx = _resolveMx,
            });
        }
        catch (ConfigurationValidationException ex)
        {
            _result = null;
            _error = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
        }
        finally
        {
            _running = false;
        }
    }
}
