using Mailflow.Configuration;

namespace Mailflow.Admin.Web.Components.Shared;

/// <summary>
/// How an editor dialog shows a refused save: validation messages next to the fields the dialog
/// shows, everything else (other fields, a conflict, a vanished object, missing rights) as the
/// dialog's general message.
/// </summary>
public static class SaveErrors
{
    /// <summary>The exceptions configuration services throw for a refused save (anything else is a bug and propagates).</summary>
    public static bool IsRefusal(Exception exception) =>
        exception is ConfigurationValidationException or ConfigurationConflictException
            or ConfigurationNotFoundException or ConfigurationForbiddenException;

    /// <summary>Puts field messages into <paramref name="fieldErrors"/>; returns the general message, if any.</summary>
    public static string? Route(Exception exception, IReadOnlyCollection<string> fieldsShownInline, IDictionary<string, string> fieldErrors)
    {
        switch (exception)
        {
            case ConfigurationValidationException validation:
                return Route(validation.Errors, fieldsShownInline, fieldErrors);
            case ConfigurationConflictException conflict:
                return $"{conflict.Message} Cancel to see the current values.";
            default:
                return exception.Message;
        }
    }

    /// <summary>Validation messages (the dialog's own check or the service's): those of inline fields into <paramref name="fieldErrors"/>, the rest returned as one general message.</summary>
    public static string? Route(IReadOnlyDictionary<string, string[]> errors, IReadOnlyCollection<string> fieldsShownInline, IDictionary<string, string> fieldErrors)
    {
        var elsewhere = new List<string>();
        foreach (var (field, messages) in errors)
        {
            if (fieldsShownInline.Contains(field))
                fieldErrors[field] = string.Join(" ", messages);
            else
                elsewhere.AddRange(messages);
        }
        return elsewhere.Count > 0 ? string.Join(" ", elsewhere) : null;
    }
}
