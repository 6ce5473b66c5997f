using System.Globalization;
using Mailflow.Admin.Web.Components.Pages.Queues;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Queue;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Protection;

/// <summary>
/// The quarantine (<see cref="IQuarantine"/>): held messages with why, score and symbols; release,
/// release and allow the sender, delete, "spam / not spam" for Rspamd; details, safe preview and .eml
/// export through the queue viewer's message dialog.
/// </summary>
public sealed partial class Quarantine
{
    [Inject] private IQuarantine Held { get; set; } = default!;
    [Inject] private IModeration Moderation { get; set; } = default!;
    [Inject] private ProtectionSettingsService Settings { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<QuarantinedMessage>? _held;
    private int _retentionDays = new QuarantineSettings().RetentionDays;
    private QuarantineLearnResult? _learnAnswer;
    private string? _error;
    private bool _busy;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;
    private bool Busy => _busy || !RendererInfo.IsInteractive;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _retentionDays = ((await Settings.GetAsync()).Quarantine ?? new QuarantineSettings()).RetentionDays;
            _held = await Held.ListAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = $"The quarantine could not be read from the store: {ex.Message}";
            _held ??= [];
        }
    }

    private Task ReleaseAsync(QuarantinedMessage message, bool allowSender) =>
        RunAsync(async () =>
        {
            var released = await Held.ReleaseAsync(_actor, message.QueueId, allowSender);
            Snackbar.Add(!released ? $"{message.QueueId} was no longer held."
                : allowSender ? $"Released {message.QueueId}; {message.Sender} is now an allowed sender." : $"Released {message.QueueId}.", Severity.Success);
        });

    /// <summary>The held message whose recipients are being chosen for a release to some of them, and the ones chosen.</summary>
    private string? _choosingFor;
    private readonly HashSet<string> _chosen = new(StringComparer.OrdinalIgnoreCase);

    private void ChooseRecipients(QuarantinedMessage message)
    {
        _choosingFor = message.QueueId;
        _chosen.Clear();
    }

    private void Toggle(string recipient, bool on)
    {
        if (on)
            _chosen.Add(recipient);
        else
            _chosen.Remove(recipient);
    }

    private Task ReleaseToChosenAsync(QuarantinedMessage message) =>
        RunAsync(async () =>
        {
            var release = await Held.ReleaseToAsync(_actor, message.QueueId, [.. _chosen]);
            _choosingFor = null;
            Snackbar.Add(release is null ? $"{message.QueueId} was no longer held."
                : release.StillHeld.Count == 0 ? $"Released {message.QueueId} to {string.Join(", ", release.Released)}."
                : $"Released {message.QueueId} to {string.Join(", ", release.Released)} (as {release.ReleasedQueueId}); still held for {string.Join(", ", release.StillHeld)}.", Severity.Success);
        });

    private Task DeleteAsync(QuarantinedMessage message) =>
        RunAsync(async () =>
        {
            var deleted = await Held.DeleteAsync(_actor, message.QueueId);
            Snackbar.Add(deleted ? $"Deleted {message.QueueId}." : $"{message.QueueId} was no longer held.", Severity.Success);
        });

    /// <summary>A moderator's "reject": the sender gets an NDR with 5.7.1, the message is removed.</summary>
    private Task RejectAsync(QuarantinedMessage message) =>
        RunAsync(async () =>
        {
            var rejected = await Moderation.RejectAsync(_actor, message.QueueId, reason: null);
            Snackbar.Add(rejected ? $"Rejected {message.QueueId}; the sender gets a non-delivery report." : $"{message.QueueId} was no longer held.", Severity.Success);
        });

    private Task LearnAsync(QuarantinedMessage message, bool spam) =>
        RunAsync(async () => _learnAnswer = await Held.LearnAsync(_actor, message.QueueId, spam));

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        _error = null;
        try
        {
            await action();
        }
        catch (Exception ex) when (SaveErrors.IsRefusal(ex))
        {
            _error = ex.Message;
        }
        finally
        {
            _busy = false;
        }
        await LoadAsync();
    }

    private async Task ShowDetailsAsync(QuarantinedMessage message)
    {
        var parameters = new DialogParameters<MessageDetailsDialog>
        {
            { d => d.QueueId, message.QueueId },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<MessageDetailsDialog>($"Message {message.QueueId}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true });
        await dialog.Result;
        await LoadAsync();
    }

    private static string SourceText(QuarantineSource source) => source switch
    {
        QuarantineSource.Rule => "Mail flow rule",
        QuarantineSource.AntiSpam => "Anti-spam",
        QuarantineSource.AntiMalware => "Anti-malware",
        _ => "Transport agent",
    };

    private static string ScoreText(QuarantinedMessage message) =>
        message.SpamScore is { } score
            ? score.ToString("0.##", CultureInfo.InvariantCulture) + (message.SpamConfidenceLevel is { } scl ? $" (SCL {scl})" : "")
            : "";
}
