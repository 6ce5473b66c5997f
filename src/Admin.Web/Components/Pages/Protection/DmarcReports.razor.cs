using Mailflow.Configuration;
using Mailflow.Dmarc;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.Protection;

/// <summary>Who sends as our domains: the DMARC aggregate reports other organizations sent us, by source IP and reporter.</summary>
public sealed partial class DmarcReports
{
    private const string AllDomains = "";

    [Inject] private DmarcReportService Reports { get; set; } = null!;
    [Inject] private AcceptedDomainService Domains { get; set; } = null!;
    [Inject] private Time.AdminClock Clock { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    private int _days = 30;
    private string _domain = AllDomains;
    private IReadOnlyList<string> _domains = [];
    private string _exampleDomain = "example.com";
    private DmarcReportOverview? _overview;

    protected override async Task OnInitializedAsync()
    {
        _domains = [.. (await Domains.ListAsync()).Select(d => d.DomainName).Order(StringComparer.Ordinal)];
        _exampleDomain = _domains.FirstOrDefault() ?? _exampleDomain;
        await LoadAsync();
    }

    private async Task LoadAsync() =>
        _overview = await Reports.OverviewAsync(Time.GetUtcNow().AddDays(-_days), _domain == AllDomains ? null : _domain);

    private async Task PeriodChangedAsync(int days)
    {
        _days = days;
        await LoadAsync();
    }

    private async Task DomainChangedAsync(string domain)
    {
        _domain = domain;
        await LoadAsync();
    }

    private long Total(Func<DmarcSourceSummary, long> value) => _overview?.Sources.Sum(value) ?? 0;
}
