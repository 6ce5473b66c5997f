namespace Mailflow.Server.Api;

/// <summary>
/// Input no /api/v1 endpoint should have to think about. A query or route value with a control
/// character is refused with 422 (a NUL in a filter would otherwise match everything on SQLite and
/// slip past "an empty filter needs all: true"). Date and time arguments are clamped to
/// <see cref="Earliest"/>..<see cref="Latest"/>, so window arithmetic (48 hours before, an hour
/// after) can never overflow into a 500.
/// </summary>
public sealed class ApiInputFilter : IEndpointFilter
{
    public static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var errors = new Dictionary<string, string[]>();
        foreach (var (key, values) in request.Query)
            if (values.Any(HasControlCharacter))
                errors[key] = [ControlCharacterMessage];
        foreach (var (key, value) in request.RouteValues)
            if (value is string text && HasControlCharacter(text))
                errors[key] = [ControlCharacterMessage];
        if (errors.Count > 0)
            return ApiResults.Validation(errors);

        for (var i = 0; i < context.Arguments.Count; i++)
            if (context.Arguments[i] is DateTimeOffset time)
                context.Arguments[i] = Clamp(time);
        return await next(context);
    }

    public const string ControlCharacterMessage = "Control characters (such as NUL) are not allowed here.";

    public static bool HasControlCharacter(string? text) => text is not null && text.Any(char.IsControl);

    public static DateTimeOffset Clamp(DateTimeOffset time) => time < Earliest ? Earliest : time > Latest ? Latest : time;
}
