using System.Globalization;

namespace Mailflow.Server.Api;

/// <summary>Problem details and ETag helpers shared by the /api/v1 endpoints.</summary>
public static class ApiResults
{
    public static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>422: the same per-field messages the admin center shows next to its fields.</summary>
    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        Results.ValidationProblem(
            errors.ToDictionary(e => e.Key, e => e.Value),
            detail: string.Join(" ", errors.SelectMany(e => e.Value)),
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "The change was refused: see errors for what to fix.");

    /// <summary>The strong entity tag for a configuration object's revision (RFC 9110 §8.8.3).</summary>
    public static string ETagFor(int revision) => "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Returns <paramref name="value"/> with its revision as the response's ETag.</summary>
    public static T WithETag<T>(this HttpContext http, T value, int revision)
    {
        http.Response.Headers.ETag = ETagFor(revision);
        return value;
    }
}
