using Mailflow.Configuration;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Api;

/// <summary>
/// Turns the configuration services' refusals into RFC 9457 problem details, so every endpoint
/// answers the same way for the same failure:
/// <list type="bullet">
/// <item>validation → 422 with the per-field messages the admin center shows (<c>errors</c>);</item>
/// <item>not found → 404; role does not allow it → 403;</item>
/// <item>stale revision (someone saved since the client read) → 412;</item>
/// <item>a uniqueness clash the store caught (two clients creating the same name at once) → 409.</item>
/// </list>
/// </summary>
public sealed class ApiExceptionFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ConfigurationValidationException ex)
        {
            return ApiResults.Validation(ex.Errors);
        }
        catch (ConfigurationNotFoundException ex)
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", ex.Message);
        }
        catch (ConfigurationForbiddenException ex)
        {
            return ApiResults.Problem(StatusCodes.Status403Forbidden, "Forbidden", ex.Message);
        }
        catch (ConfigurationConflictException ex)
        {
            return ApiResults.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", ex.Message);
        }
        catch (ApiPreconditionException ex)
        {
            return ApiResults.Problem(ex.StatusCode, ex.Title, ex.Message);
        }
        catch (DbUpdateException ex) when (ex is not DbUpdateConcurrencyException)
        {
            return ApiResults.Problem(StatusCodes.Status409Conflict, "Conflict",
                "The change clashes with another change saved at the same time (for example the same name created twice). Reload and try again.");
        }
    }
}
