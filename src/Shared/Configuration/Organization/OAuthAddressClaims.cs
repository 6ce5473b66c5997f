namespace Mailflow.Configuration;

/// <summary>
/// The access token claims that may name the submitting user's address (OAuth submission): the OpenID
/// Connect standard <c>email</c>, or the user names Entra ID and other issuers put in tokens
/// (<c>preferred_username</c>, <c>upn</c>), which are addresses in most organizations.
/// </summary>
public static class OAuthAddressClaims
{
    public const string Email = "email";
    public const string PreferredUserName = "preferred_username";
    public const string Upn = "upn";

    public static IReadOnlyList<string> All { get; } = [Email, PreferredUserName, Upn];
}
