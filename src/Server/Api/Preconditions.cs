using System.Globalization;

namespace Mailflow.Server.Api;

/// <summary>
/// Optimistic concurrency over HTTP (RFC 9110 §13.1.1, RFC 6585 §3). Every configuration object
/// carries a revision; GET returns it as a strong ETag (<c>"7"</c>). Changing or removing an
/// existing object needs <c>If-Match</c>:
/// <list type="bullet">
/// <item>missing → 428 Precondition Required (a blind overwrite must be asked for explicitly);</item>
/// <item><c>If-Match: *</c> → "whatever is stored now": the explicit blind overwrite;</item>
/// <item>an ETag that is not the stored revision → 412 Precondition Failed.</item>
/// </list>
/// The revision a request body carries is ignored: the header is the one place a client states
/// what it read. The check here is repeated by the service inside its transaction, so a change
/// saved between the two still ends in 412.
/// </summary>
public static class Preconditions
{
    /// <returns>The revision the client's change is based on.</returns>
    public static int RevisionFromIfMatch(HttpContext http, int storedRevision)
    {
        var values = http.Request.Headers.IfMatch;
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values.ToString()))
            throw new ApiPreconditionException(StatusCodes.Status428PreconditionRequired, "Precondition required",
                "Send If-Match with the ETag from your GET (or If-Match: * to overwrite whatever is stored), so you do not silently overwrite someone else's change.");
        foreach (var raw in values.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*")
                return storedRevision;
            // A weak comparison is enough here (RFC 9110 §8.8.3.2): the revision is the whole identity.
            var tag = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
            if (tag.Length >= 2 && tag[0] == '"' && tag[^1] == '"'
                && int.TryParse(tag[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
                && revision == storedRevision)
                return revision;
        }
        throw new ApiPreconditionException(StatusCodes.Status412PreconditionFailed, "Precondition failed",
            $"The object was changed since you read it (it is now at revision {storedRevision}, ETag {ApiResults.ETagFor(storedRevision)}). Reload it and make your change again.");
    }
}
