using System.Net;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Recipients;

/// <summary>
/// Recipients by kind: searched, sorted and paged in the store (tens of thousands), add (with a submission
/// password), edit, set a submission password, remove. Recipient Management may change them;
/// <see cref="RecipientService"/> checks that, validates, audits and publishes the change.
/// </summary>
public sealed partial class RecipientsPage
{
    private static readonly RecipientKind?[] TabKinds = [null, RecipientKind.Mailbox, RecipientKind.Alias, RecipientKind.DistributionGroup, RecipientKind.MailContact];

    [Inject] private RecipientService Recipients { get; set; } = default!;
    [Inject] private RecipientDirectory Directory { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IServiceProvider ServiceProvider { get; set; } = default!;

    /// <summary>Mailbox sizes, where this process delivers (the server registers it; absent in a bare admin center).</summary>
    private IMailboxUsage? _usage;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Doctor findings a recipient change can cause: removing a group a rule names. Their fix is on the rule.</summary>
    private static readonly string[] RecipientChecks = ["rule-missing-group"];

    private MudTable<Recipient>? _table;
    private string _search = "";
    /// <summary>Primary addresses of the aliases' targets on the current page.</summary>
    private IReadOnlyDictionary<Guid, string> _targets = new Dictionary<Guid, string>();
    private Mailflow.Admin.Web.Components.Shared.DoctorWarnings? _doctor;
    private string? _loadError;
    private int _tab;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageRecipients;

    private RecipientKind? Filter => TabKinds[_tab];

    private string AddLabel => Filter is { } kind ? RecipientText.Label(kind).ToLowerInvariant() : "recipient";

    protected override async Task OnInitializedAsync()
    {
        _usage = ServiceProvider.GetService(typeof(IMailboxUsage)) as IMailboxUsage;
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
    }

    private async Task<TableData<Recipient>> LoadPageAsync(TableState state, CancellationToken cancellationToken)
    {
        try
        {
            var sort = Enum.TryParse<RecipientSort>(state.SortLabel, out var label) ? label : RecipientSort.Address;
            var page = await Directory.SearchAsync(new RecipientSearch(_search, Filter, sort, state.SortDirection == SortDirection.Descending,
                state.Page * state.PageSize, state.PageSize), cancellationToken);
            _targets = await Directory.AddressesOfAsync([.. page.Items.Where(r => r.ForwardToId is not null).Select(r => r.ForwardToId!.Value).Distinct()], cancellationToken);
            _loadError = null;
            return new TableData<Recipient> { Items = page.Items, TotalItems = page.Total };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The recipients could not be read from the store: {ex.Message}";
            return new TableData<Recipient> { Items = [], TotalItems = 0 };
        }
    }

    /// <summary>Re-reads the current page (and the doctor's findings); also what LiveRefresh calls after someone else's change.</summary>
    private async Task LoadAsync()
    {
        if (_table is not null)
            await _table.ReloadServerData();
        if (_doctor is not null)
            await _doctor.RefreshAsync();
    }

    private async Task TabChangedAsync(int tab)
    {
        _tab = tab;
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private async Task SearchChangedAsync(string? search)
    {
        _search = search ?? "";
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private string Details(Recipient r) => r.Kind switch
    {
        RecipientKind.Mailbox => $"{RecipientText.Label(r.DeliveryKind)}: {r.DeliveryTarget}{(r.SubmissionPasswordHash is null ? "" : " · can sign in")}",
        RecipientKind.Alias => $"Forwards to {NameOf(r.ForwardToId)}",
        RecipientKind.DistributionGroup => r.MemberIds.Count == 1 ? "1 member" : $"{r.MemberIds.Count} members",
        RecipientKind.MailContact => $"Forwards to {r.ExternalAddress}",
        _ => "",
    };

    private string NameOf(Guid? id) => id is { } target && _targets.TryGetValue(target, out var address) ? address : "(missing)";

    private async Task AddAsync()
    {
        var saved = await ShowEditorAsync($"Add {AddLabel}", existing: null);
        if (saved is null)
            return;
        if (saved.GeneratedPassword is { } password)
            await Dialogs.ShowMessageBoxAsync("Generated submission password",
                (MarkupString)($"{WebUtility.HtmlEncode(saved.Recipient.PrimaryAddress)} was created. Its submission password is "
                    + $"<code id=\"generated-password\">{WebUtility.HtmlEncode(password)}</code><br/><br/>Copy it now: it is not shown again."),
                yesText: "Done");
        else
            Snackbar.Add($"{saved.Recipient.PrimaryAddress} was created{(saved.Recipient.SubmissionPasswordHash is null ? "" : " with a submission password")}.", Severity.Success);
    }

    private async Task EditAsync(Recipient recipient)
    {
        var saved = await ShowEditorAsync($"Edit {recipient.PrimaryAddress}", recipient);
        if (saved is not null)
            Snackbar.Add($"{saved.Recipient.PrimaryAddress} saved.", Severity.Success);
    }

    private async Task<RecipientSaved?> ShowEditorAsync(string title, Recipient? existing)
    {
        // The pickers (alias target, group members) choose from the whole directory; read it only when a dialog opens.
        var parameters = new DialogParameters<RecipientDialog>
        {
            { d => d.Existing, existing },
            { d => d.InitialKind, Filter ?? RecipientKind.Mailbox },
            { d => d.Actor, _actor },
            { d => d.AllRecipients, await Recipients.ListAsync() },
        };
        var dialog = await Dialogs.ShowAsync<RecipientDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        return result is null || result.Canceled ? null : result.Data as RecipientSaved;
    }

    private async Task PasswordAsync(Recipient mailbox)
    {
        var parameters = new DialogParameters<RecipientPasswordDialog>
        {
            { d => d.Mailbox, mailbox },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<RecipientPasswordDialog>($"Submission password for {mailbox.PrimaryAddress}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: string message })
            Snackbar.Add(message, Severity.Success);
        await LoadAsync();
    }

    private async Task RemoveAsync(Recipient recipient)
    {
        // Say up front what the service will refuse and what else changes, so the admin isn't surprised.
        var all = await Recipients.ListAsync();
        var aliases = all.Where(r => r.Kind == RecipientKind.Alias && r.ForwardToId == recipient.Id).Select(r => r.PrimaryAddress).ToList();
        var groups = all.Where(r => r.Kind == RecipientKind.DistributionGroup && r.MemberIds.Contains(recipient.Id)).Select(r => r.PrimaryAddress).ToList();
        var isPostmaster = recipient.AllAddresses.Any(a => a.StartsWith("postmaster@", StringComparison.OrdinalIgnoreCase));
        var text = $"Remove <b>{WebUtility.HtmlEncode(recipient.PrimaryAddress)}</b>? Mail to its addresses will be rejected.";
        if (aliases.Count > 0)
            text += $"<br/><br/>Aliases forward to it ({WebUtility.HtmlEncode(string.Join(", ", aliases))}): Mailflow will refuse until you remove or repoint them.";
        if (isPostmaster)
            text += "<br/><br/>It holds a postmaster address, which must always exist (RFC 5321 §4.5.1): Mailflow refuses if it is the default domain's postmaster.";
        if (groups.Count > 0)
            text += $"<br/><br/>It will also be removed from {WebUtility.HtmlEncode(string.Join(", ", groups))}.";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Remove recipient", (MarkupString)text, yesText: "Remove", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Recipients.DeleteAsync(_actor, recipient.Id);
            Snackbar.Add($"{recipient.PrimaryAddress} was removed.", Severity.Success);
        }
        catch (ConfigurationValidationException ex)
        {
            Snackbar.Add(string.Join(" ", ex.Errors.SelectMany(e => e.Value)), Severity.Error);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
