namespace Mailflow.Admin.Web.Components.Layout;

/// <summary>
/// The admin's light/dark choice, kept in a cookie so the server renders the first paint in that theme (no light flash
/// before the circuit is up) and the choice survives a reload or a new sign-in. No cookie: the operating system decides.
/// </summary>
public static class ThemeCookie
{
    public const string Name = "mailflow-theme";
    public const string Dark = "dark";
    public const string Light = "light";

    /// <summary>True for dark, false for light, null when the admin never chose (or the cookie holds something else).</summary>
    public static bool? Parse(string? value) => value switch
    {
        Dark => true,
        Light => false,
        _ => null,
    };
}
