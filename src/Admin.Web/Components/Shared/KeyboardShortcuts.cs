namespace Mailflow.Admin.Web.Components.Shared;

/// <summary>
/// The admin center's keyboard shortcuts (handled in admin.js): "/" focuses the page's search box, "?" opens
/// <see cref="KeyboardHelp"/>. A page marks the search field "/" focuses with the attribute <c>data-mf-search=""</c>.
/// </summary>
public static class KeyboardShortcuts
{

    /// <summary>What the help dialog lists: the key and what it does.</summary>
    public static readonly IReadOnlyList<(string Key, string Action)> All =
    [
        ("/", "Search: puts the caret in this page's search box"),
        ("Esc", "Leaves the search box (or closes a dialog)"),
        ("?", "Shows this help"),
    ];
}
