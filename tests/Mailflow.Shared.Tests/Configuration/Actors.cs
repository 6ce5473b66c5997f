using Mailflow.Configuration;
using Mailflow.Identity;

namespace Mailflow.Shared.Tests.Configuration;

internal static class Actors
{
    public static readonly AdminActor Admin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });
    public static readonly AdminActor RecipientAdmin = new("rita", new HashSet<string> { AdminRoles.RecipientManagement });
    public static readonly AdminActor Viewer = new("victor", new HashSet<string> { AdminRoles.ViewOnly });
}
