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

    /// <returns>Whether the action ran (the admin confirmed).</returns>
    public static async Task<bool> ConfirmAndRunAsync(IDialogService dialogs, ISnackbar snackbar, IQueueOperations operations,
        AdminActor actor, QueueAction action, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken)
    {
        var consequence = action switch
        {
            QueueAction.RemoveWithNdr => " The senders get a non-delivery report for every recipient not yet delivered. This cannot be undone.",
            QueueAction.RemoveSilently => " Nobody is told. This cannot be undone.",
            QueueAction.Release => " Released messages continue through mail flow and are delivered.",
            _ => "",
        };
        var confirmed = await dialogs.ShowMessageBoxAsync(Describe(action),
            $"{Describe(action)}: {queueIds.Count} message(s)?{consequence}", yesText: Describe(action), cancelText: "Cancel");
        if (confirmed != true)
            return false;
        try
        {
            var changed = action switch
            {
                QueueAction.RetryNow => await operations.RetryNowAsync(actor, queueIds, cancellationToken),
                QueueAction.Suspend => await operations.SuspendAsync(actor, queueIds, cancellationToken),
                QueueAction.Resume => await operations.ResumeAsync(actor, queueIds, cancellationToken),
                QueueAction.Release => await operations.ReleaseFromQuarantineAsync(actor, queueIds, cancellationToken),
                QueueAction.RemoveWithNdr => await operations.RemoveAsync(actor, queueIds, sendNdr: true, cancellationToken),
                _ => await operations.RemoveAsync(actor, queueIds, sendNdr: false, cancellationToken),
            };
            snackbar.Add($"{Describe(action)}: {changed} of {queueIds.Count} message(s) changed.", changed > 0 ? Severity.Success : Severity.Info);
        }
        catch (ConfigurationForbiddenException ex)
        {
            snackbar.Add(ex.Message, Severity.Error);
        }
        return true;
    }
}
