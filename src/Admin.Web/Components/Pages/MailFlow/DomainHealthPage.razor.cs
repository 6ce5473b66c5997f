using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Mailflow.DomainHealth;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// The DNS health of each accepted domain, from the stored reports (<see cref="DomainHealthService"/>):
/// a list with each domain's worst status, and the selected domain's checks with the records to
/// publish. "Check now" asks the server's checker (<see cref="IDomainHealthChecker"/>).
/// </summary>
public sealed partial class DomainHealthPage
{
    [Inject] private DomainHealthService Reports { get; set; } = null!;
    [Inject] private IDomainHealthChecker Checker { get; set; } = null!;
    [Inject] private AcceptedDomainService AcceptedDomains { get; set; } = null!;
    [Inject] private IJSRuntime JS { get; set; } = null!;
    [Inject] private ISnackbar Snackbar { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private IOptions<DomainHealthOptions> Options { get; set; } = null!;

    /// <summary>The domain to show (from the address); the first one that is not ok when none is given.</summary>
    [Parameter] public string? Domain { get; set; }

    private sealed record DomainRow(string Domain, DomainHealthReport? Report);

    private List<DomainRow>? _domains;
    private string? _selected;
    private bool _checking;
    private string? _error;
    private string _intervalText = "hour";

    private static string DomainPath(string domain) => DomainHealthDoctor.DomainPath(domain);

    protected override async Task OnParametersSetAsync()
    {
        var interval = TimeSpan.FromMinutes(Math.Max(1, Options.Value.CheckIntervalMinutes));
        _intervalText = interval == TimeSpan.FromHours(1) ? "hour" : interval.TotalHours >= 1 && interval.TotalHours % 1 == 0 ? $"{interval.TotalHours:0} hours" : $"{interval.TotalMinutes:0} minutes";
        await LoadAsync();
        var requested = Domain?.Trim().ToLowerInvariant();
        _selected = _domains!.Any(d => d.Domain == requested)
            ? requested
            : _domains!.OrderByDescending(d => d.Report?.Status ?? DomainHealthStatus.Ok).Select(d => d.Domain).FirstOrDefault();
    }

    private async Task LoadAsync()
    {
        var accepted = (await AcceptedDomains.ListAsync())
            .Select(d => d.DomainName)
            .Where(d => !string.Equals(d, MailflowOptions.PlaceholderDomain, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        var reports = (await Reports.ListAsync()).ToDictionary(r => r.Domain, StringComparer.OrdinalIgnoreCase);
        _domains = [.. accepted.Select(d => new DomainRow(d, reports.GetValueOrDefault(d)))];
    }

    private Task SelectAsync(string domain)
    {
        Navigation.NavigateTo(DomainPath(domain));
        return Task.CompletedTask;
    }

    private async Task CheckNowAsync()
    {
        if (_selected is null)
            return;
        _checking = true;
        _error = null;
        StateHasChanged();
        try
        {
            var report = await Checker.CheckNowAsync(_selected);
            if (report is null)
                _error = $"{_selected} is no longer an accepted domain.";
            await LoadAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _error = $"The check did not finish: {exception.Message}";
        }
        finally
        {
            _checking = false;
        }
    }

    private async Task CopyAsync(string text)
    {
        try
        {
            await JS.InvokeVoidAsync("navigator.clipboard.writeText", text);
            Snackbar.Add("Record copied.", Severity.Success);
        }
        catch (JSException)
        {
            // Browsers allow the clipboard on HTTPS and localhost only; the record stays selectable.
            Snackbar.Add("The browser did not allow copying: select the record and copy it.", Severity.Info);
        }
    }

    internal static Severity SeverityOf(DomainHealthStatus status) => status switch
    {
        DomainHealthStatus.Fail => Severity.Error,
        DomainHealthStatus.Warn => Severity.Warning,
        _ => Severity.Success,
    };
}
