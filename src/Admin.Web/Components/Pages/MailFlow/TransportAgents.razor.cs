using System.Globalization;
using Mailflow.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>
/// Transport agents: the pipeline in order, each agent on or off (globally or per receive connector),
/// its position, time limit and failure policy. Changes go through <see cref="TransportAgentService"/>
/// (roles, validation, audit, a new generation the engine applies at once).
/// </summary>
public sealed partial class TransportAgents
{
    [Inject] private TransportAgentService Agents { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<TransportAgentView>? _agents;
    private string? _loadError;
    private AdminActor _actor = new("anonymous", new HashSet<string>());

    private bool CanManage => _actor.CanManageOrganization;

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _agents = await Agents.ListAsync();
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"The transport agents could not be read from the store: {ex.Message}";
            _agents ??= [];
        }
    }

    internal static string FormatTimeout(int milliseconds) => milliseconds % 1000 == 0
        ? $"{milliseconds / 1000} s"
        : $"{(milliseconds / 1000.0).ToString("0.###", CultureInfo.CurrentCulture)} s";

    internal static string FailureText(AgentFailurePolicy policy) => policy == AgentFailurePolicy.FailOpen
        ? "Let the message through"
        : "Ask the sender to retry (451)";

    private async Task EditAsync(TransportAgentView agent)
    {
        var parameters = new DialogParameters<TransportAgentDialog>
        {
            { d => d.Existing, agent },
            { d => d.Actor, _actor },
        };
        var dialog = await Dialogs.ShowAsync<TransportAgentDialog>($"Edit {agent.Agent.DisplayName}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        await LoadAsync();
        if (result is { Canceled: false })
            Snackbar.Add($"{agent.Agent.DisplayName} saved; the engine uses it from the next message.", Severity.Success);
    }

    private async Task ResetAsync(TransportAgentView agent)
    {
        try
        {
            await Agents.ResetAsync(_actor, agent.Agent.Name);
            Snackbar.Add($"{agent.Agent.DisplayName} runs with its default settings again.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException or ConfigurationConflictException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadAsync();
    }
}
