using Mailflow.Configuration;
using Mailflow.Queue;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Queues;

/// <summary>Asks for confirmation, runs one <see cref="QueueAction"/> on a set of messages and reports the outcome.</summary>
public static class QueueActionRunner
{
    public static string Describe(QueueAction action) => action switch
    {
        QueueAction.RetryNow => "Retry now",
        QueueAction.Suspend => "Suspend",
        QueueAction.Resume => "Resume",
        QueueAction.Release => "Release from quarantine",
        QueueAction.RemoveWithNdr => "Remove with NDR",
        _ => "Remove without NDR",
    };

    /// <summary>
    /// "Everything matching the filter": the confirmation states how many messages match now and the
    /// filter in words; the action then runs set-based in the store (<see cref="IQueueOperations.ApplyToMatchingAsync"/>)
    /// while <paramref name="progress"/> shows what is under way; the snackbar reports how many changed.
    /// </summary>
    /// <returns>Whether the action ran (something matched and the admin confirmed).</returns>
    public static async Task<bool> ConfirmAndRunMatchingAsync(IDialogService dialogs, ISnackbar snackbar, IQueueOperations operations,
        AdminActor actor, QueueAction action, QueueMessageFilter filter, Func<string?, Task> progress, CancellationToken cancellationToken)
    {
        var count = await operations.CountMessagesAsync(filter, cancellationToken);
        if (count == 0)
        {
            snackbar.Add("No message matches the filter.", Severity.Info);
            return false;
        }
        var confirmed = await dialogs.ShowMessageBoxAsync(Describe(action),
            $"{Describe(action)}: {count:N0} message(s) matching {filter.Describe()}?{Consequence(action)}", yesText: Describe(action), cancelText: "Cancel");
        if (confirmed != true)
            return false;
        try
        {
            await progress($"{Describe(action)}: {count:N0} message(s) matching {filter.Describe()}…");
            var changed = await operations.ApplyToMatchingAsync(actor, filter, action, cancellationToken);
            snackbar.Add($"{Describe(action)}: {changed:N0} of {count:N0} matching message(s) changed.", changed > 0 ? Severity.Success : Severity.Info);
        }
        catch (ConfigurationForbiddenException ex)
        {
            snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            await progress(null);
        }
        return true;
    }

    private static string Consequence(QueueAction action) => action switch
    {
        QueueAction.RemoveWithNdr => " The senders get a non-delivery report for every recipient not yet delivered. This cannot be undone.",
        QueueAction.RemoveSilently => " Nobody is told. This cannot be undone.",
        QueueAction.Release => " Released messages continue through mail flow and are delivered.",
        QueueAction.Suspend => " Suspended messages stay queued until resumed.",
        _ => "",
    };

    /// <returns>Whether the action ran (the admin confirmed).</returns>
    public static async Task<bool> ConfirmAndRunAsync(IDialogService dialogs, ISnackbar snackbar, IQueueOperations operations,
        AdminActor actor, QueueAction action, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken)
    {
        var confirmed = await dialogs.ShowMessageBoxAsync(Describe(action),
            $"{Describe(action)}: {queueIds.Count} message(s)?{Consequence(action)}", yesText: Describe(action), cancelText: "Cancel");
        if (confirmed != true)
            return false;
        try
        {
            var changed = await operations.ApplyAsync(actor, action, queueIds, cancellationToken);
            snackbar.Add($"{Describe(action)}: {changed} of {queueIds.Count} message(s) changed.", changed > 0 ? Severity.Success : Severity.Info);
        }
        catch (ConfigurationForbiddenException ex)
        {
            snackbar.Add(ex.Message, Severity.Error);
        }
        return true;
    }
}
