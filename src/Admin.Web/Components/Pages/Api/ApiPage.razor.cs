using Mailflow.Admin.Web.ApiReference;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Mailflow.Admin.Web.Components.Pages.Api;

/// <summary>
/// The API page: API key management (Organization Management only; create shows the key once,
/// revoke stops it at once) and the endpoint reference read from the host's OpenAPI document.
/// Key changes go through <see cref="ApiKeyService"/>, which checks the role again and audits.
/// </summary>
public sealed partial class ApiPage
{
    [Inject] private ApiKeyService Keys { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IServiceProvider Services { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly TableGroupDefinition<ApiOperation> _byTag = new() { Indentation = false, Expandable = false, Selector = o => o.Tag };
    private AdminActor _actor = new("anonymous", new HashSet<string>());
    private IReadOnlyList<ApiKey>? _keys;
    private ApiDescription? _description;
    private string? _referenceError;
    private string _filter = "";

    private bool CanManage => _actor.CanManageOrganization;

    private IEnumerable<ApiOperation> FilteredOperations =>
        string.IsNullOrWhiteSpace(_filter)
            ? _description?.Operations ?? []
            : (_description?.Operations ?? []).Where(o =>
                o.Path.Contains(_filter.Trim(), StringComparison.OrdinalIgnoreCase)
                || o.Summary.Contains(_filter.Trim(), StringComparison.OrdinalIgnoreCase)
                || o.Tag.Contains(_filter.Trim(), StringComparison.OrdinalIgnoreCase)
                || o.Method.Equals(_filter.Trim(), StringComparison.OrdinalIgnoreCase));

    protected override async Task OnInitializedAsync()
    {
        _actor = AdminActor.FromPrincipal((await AuthenticationState).User);
        await LoadKeysAsync();
        await LoadReferenceAsync();
    }

    private async Task LoadKeysAsync()
    {
        if (CanManage)
            _keys = await Keys.ListAsync(_actor);
    }

    private async Task LoadReferenceAsync()
    {
        if (Services.GetService(typeof(IApiDescriptionSource)) is not IApiDescriptionSource source)
        {
            _referenceError = "This host does not publish an API description.";
            return;
        }
        try
        {
            _description = await source.DescribeAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _referenceError = $"The API description could not be generated: {ex.Message}";
        }
    }

    private async Task CreateAsync()
    {
        var dialog = await Dialogs.ShowAsync<CreateApiKeyDialog>("Create API key",
            new DialogParameters<CreateApiKeyDialog> { { d => d.Actor, _actor } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: CreatedApiKey created })
        {
            await LoadKeysAsync();
            StateHasChanged();
            await Dialogs.ShowAsync<ApiKeyCreatedDialog>($"API key '{created.Key.Name}' created",
                new DialogParameters<ApiKeyCreatedDialog> { { d => d.Created, created } },
                new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false });
        }
    }

    private async Task RevokeAsync(ApiKey key)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Revoke API key",
            (MarkupString)$"Revoke <b>{System.Net.WebUtility.HtmlEncode(key.Name)}</b>? Scripts using it are refused from the next request on. This cannot be undone.",
            yesText: "Revoke",
            cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Keys.RevokeAsync(_actor, key.Id);
            Snackbar.Add($"{key.Name} was revoked.", Severity.Success);
        }
        catch (Exception ex) when (ex is ConfigurationNotFoundException or ConfigurationForbiddenException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        await LoadKeysAsync();
    }

    private static Color MethodColor(string method) => method switch
    {
        "GET" => Color.Info,
        "POST" => Color.Success,
        "PUT" => Color.Warning,
        "DELETE" => Color.Error,
        _ => Color.Default,
    };
}
