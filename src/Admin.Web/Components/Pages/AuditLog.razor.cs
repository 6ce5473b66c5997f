using Mailflow.Admin.Web.Auditing;
using Mailflow.Auditing;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages;

/// <summary>The audit log: the whole log paged on the server, sortable, filtered by text, admin and UTC days, downloadable as CSV.</summary>
public sealed partial class AuditLog
{
    [Inject] private AuditLogQuery Query { get; set; } = default!;

    private MudTable<AuditEntry>? _table;
    private AuditLogFilter _filter = new();
    private DateTime? _fromDay;
    private DateTime? _toDay;
    private IReadOnlyList<string> _actors = [];
    private readonly HashSet<long> _expanded = [];

    private bool IsFiltered => _filter != new AuditLogFilter();

    protected override async Task OnInitializedAsync() => _actors = await Query.ActorsAsync(CancellationToken.None);

    private async Task<TableData<AuditEntry>> LoadPageAsync(TableState state, CancellationToken cancellationToken)
    {
        var sort = Enum.TryParse<AuditLogSort>(state.SortLabel, out var label) ? label : AuditLogSort.NewestFirst;
        if (sort == AuditLogSort.NewestFirst && state.SortDirection == SortDirection.Ascending)
            sort = AuditLogSort.OldestFirst;
        var page = await Query.PageAsync(_filter, state.Page * state.PageSize, state.PageSize, sort, cancellationToken);
        return new TableData<AuditEntry> { Items = page.Items, TotalItems = page.Total };
    }

    /// <summary>After someone's change (LiveRefresh): new entries and perhaps a new admin in the filter.</summary>
    private async Task ReloadAsync()
    {
        _actors = await Query.ActorsAsync(CancellationToken.None);
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private Task TextChangedAsync(string? text) => FilterAsync(_filter with { Text = string.IsNullOrWhiteSpace(text) ? null : text });

    private Task ActorChangedAsync(string? actor) => FilterAsync(_filter with { Actor = actor });

    private Task FromChangedAsync(DateTime? day)
    {
        _fromDay = day;
        return FilterAsync(_filter with { From = day is { } d ? new DateTimeOffset(d.Date, TimeSpan.Zero) : null });
    }

    /// <summary>The "to" day is included: entries before the start of the next UTC day.</summary>
    private Task ToChangedAsync(DateTime? day)
    {
        _toDay = day;
        return FilterAsync(_filter with { To = day is { } d ? new DateTimeOffset(d.Date.AddDays(1), TimeSpan.Zero) : null });
    }

    private async Task FilterAsync(AuditLogFilter filter)
    {
        _filter = filter;
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private void Toggle(long id)
    {
        if (!_expanded.Remove(id))
            _expanded.Add(id);
    }

    private static Color ActionColor(AuditAction action) => action switch
    {
        AuditAction.Create => Color.Success,
        AuditAction.Delete or AuditAction.Remove or AuditAction.SignInFailed => Color.Error,
        AuditAction.SignIn => Color.Default,
        _ => Color.Info,
    };
}
