using Mailflow.Operations.Alerts;
using Microsoft.AspNetCore.Components;

namespace Mailflow.Admin.Web.Components.Pages.Alerts;

/// <summary>The Alerts page: active alerts first (each with its plain-language text and a link to where it is fixed), then the history, then the thresholds. Refreshes every few seconds.</summary>
public sealed partial class AlertsPage
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    [Inject] private AlertQuery Alerts { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    private IReadOnlyList<AlertRecord> _active = [];
    private IReadOnlyList<AlertRecord> _history = [];
    private DateTimeOffset? _at;
    private string? _error;
    private readonly CancellationTokenSource _stop = new();

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        if (RendererInfo.IsInteractive)
            _ = RefreshLoopAsync();
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
        }
        catch (OperationCanceledException)
        {
            // The page was left.
        }
    }

    private Task OnConfigurationChangedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            _active = await Alerts.ActiveAsync(_stop.Token);
            _history = await Alerts.HistoryAsync(cancellationToken: _stop.Token);
            _at = Time.GetUtcNow();
            _error = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"The alerts could not be read from the store: {ex.Message}";
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
