using Mailflow.Configuration;
using Mailflow.WhatIf;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// "Test mail flow": a form for a message and the engine's answer in panels (connection, RCPT,
/// rules with per-condition explanations, resolution, routing). The server's <see cref="IMailFlowTester"/>
/// runs the engine's own decision code; this page only collects input and shows the result.
/// </summary>
public sealed partial class TestMailFlow
{
    /// <summary>Green only when every recipient would be accepted: one refused recipient is a problem to see at a glance.</summary>
    private static Severity SummarySeverity(MailFlowTestResult result) =>
        result.Acceptance.All(a => a.Accepted) ? (result.Routing.Any(r => r.RouteLoop is not null) ? Severity.Warning : Severity.Success)
        : result.Acceptance.Any(a => a.Accepted) ? Severity.Warning
        : Severity.Error;

    private static string RefusedNote(MailFlowTestResult result)
    {
        var refused = result.Acceptance.Count(a => !a.Accepted);
        return refused == 0 || refused == result.Acceptance.Count && result.Acceptance.Count == 1
            ? ""
            : $" {refused} of {result.Acceptance.Count} recipients would be refused at RCPT TO.";
    }

    [Inject] private IMailFlowTester Tester { get; set; } = default!;
    [Inject] private ReceiveConnectorService ReceiveConnectors { get; set; } = default!;

    private string _sender = "";
    private string _recipients = "";
    private string? _clientIp;
    private string? _heloName;
    private string? _connector;
    private bool _authenticated;
    private bool _requireTls;
    private string? _subject;
    private string? _body;
    private string? _headers;
    private string? _headersError;
    private string? _eml;
    private string? _emlName;
    private string? _emlError;
    private bool _resolveMx = true;
    private bool _running;
    private string? _error;
    private MailFlowTestResult? _result;
    private IReadOnlyList<string> _connectorNames = [];

    protected override async Task OnInitializedAsync() =>
        _connectorNames = [.. (await ReceiveConnectors.ListAsync()).Select(c => c.Name)];

    /// <summary>The receive connectors' default message size limit; a larger file is not a message this server would take anyway.</summary>
    private const long MaxEmlBytes = ReceiveConnectorDefaults.MaxMessageSizeBytes;

    private async Task OnEmlChangedAsync(IBrowserFile? file)
    {
        _emlError = null;
        if (file is null)
            return;
        if (file.Size > MaxEmlBytes)
        {
            _emlError = $"{file.Name} is {file.Size / (1024 * 1024)} MB; choose a message under {MaxEmlBytes / (1024 * 1024)} MB.";
            return;
        }
        await using var stream = file.OpenReadStream(MaxEmlBytes);
        using var reader = new StreamReader(stream);
        _eml = await reader.ReadToEndAsync();
        _emlName = file.Name;
    }

    private void ClearEml(MudBlazor.MudChip<string> _) => (_eml, _emlName) = (null, null);

    /// <summary>"Name: value" per line; a line without a colon is refused so a typo is not silently dropped.</summary>
    private Dictionary<string, string>? ParseHeaders()
    {
        _headersError = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in (_headers ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                _headersError = $"“{line}” is not a header: write it as Name: value.";
                return null;
            }
            var name = line[..colon].Trim();
            // RFC 5322 §3.6.8: a field name is printable US-ASCII without spaces (the colon ends it).
            if (!name.All(c => c is > ' ' and <= '~'))
            {
                _headersError = $"“{name}” is not a valid header name: use letters, digits and dashes, e.g. X-Priority.";
                return null;
            }
            headers[name] = line[(colon + 1)..].Trim();
        }
        return headers;
    }

    private async Task RunAsync()
    {
        var headers = _eml is null ? ParseHeaders() : [];
        if (headers is null)
            return;
        _running = true;
        _error = null;
        try
        {
            _result = await Tester.TestAsync(new MailFlowTestRequest
            {
                Sender = _sender,
                Recipients = [.. _recipients.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
                ClientIp = _clientIp,
                HeloName = _heloName,
                ReceiveConnector = _connector,
                Authenticated = _authenticated,
                RequireTls = _requireTls,
                Subject = _subject,
                Body = _body,
                Headers = headers.Count == 0 ? null : headers,
                Eml = _eml,
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
