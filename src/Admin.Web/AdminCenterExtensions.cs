using Mailflow.Admin.Web.Auditing;
using Mailflow.Admin.Web.ConfigurationFile;
using Mailflow.Admin.Web.Components;
using Mailflow.Admin.Web.Identity;
using Mailflow.Admin.Web.Queue;
using Mailflow.Admin.Web.Tracking;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace Mailflow.Admin.Web;

public static class AdminCenterExtensions
{
    /// <summary>
    /// The admin center: Blazor interactive server + MudBlazor, admin accounts with ASP.NET Core
    /// Identity on the Mailflow store, cookie sign-in, role policies and the first-start admin account.
    /// Needs the store (<c>AddMailflowCore</c>) registered first.
    /// </summary>
    public static WebApplicationBuilder AddAdminCenter(this WebApplicationBuilder builder)
    {
        builder.Services.AddAdminCenterServices();
        return builder;
    }

    /// <inheritdoc cref="AddAdminCenter(WebApplicationBuilder)"/>
    public static IServiceCollection AddAdminCenterServices(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(config =>
        {
            config.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            config.SnackbarConfiguration.PreventDuplicates = false;
        });

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, AdminRevalidatingAuthenticationStateProvider>();
        services.AddSingleton<AdminSessionRevocation>();
        // The security stamp is checked on every request, not every 30 minutes: a cookie copied before
        // a sign-out, password change or account disable is refused at once (the stamp rotates on each).
        services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.Zero);

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.Cookie.Name = "Mailflow.Admin";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
            options.LoginPath = AccountPaths.Login;
            options.LogoutPath = AccountPaths.Logout;
            options.AccessDeniedPath = AccountPaths.AccessDenied;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            // Signing in on the login page follows its ?returnUrl=: only a local path, percent-encoded
            // (a Location header carries ASCII only, so a raw "ü" would end in a 500).
            options.Events.OnRedirectToReturnUrl = context =>
            {
                context.Response.Redirect(AccountPaths.SafeReturnUrl(context.RedirectUri));
                return Task.CompletedTask;
            };
        });

        services.AddIdentityCore<AdminUser>(options =>
            {
                // NIST SP 800-63B §5.1.1.2: length matters, composition rules do not; no periodic expiry.
                options.Password.RequiredLength = 12;
                options.Password.RequiredUniqueChars = 4;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                // Online guessing is limited per client and per account by SignInThrottle (NIST SP 800-63B
                // §5.2.2), not by locking the account, which anyone could keep locked.
                options.Lockout.AllowedForNewUsers = false;
                // Routed through EnabledAdminConfirmation: a disabled account cannot sign in.
                options.SignIn.RequireConfirmedAccount = true;
                options.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<MailflowDbContext>()
            .AddSignInManager()
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddClaimsPrincipalFactory<AdminClaimsPrincipalFactory>();
        services.AddScoped<IUserConfirmation<AdminUser>, EnabledAdminConfirmation>();
        services.AddSingleton<AdminAccountService>();
        services.AddSingleton<AdminSignInAudit>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<AdminSignIn>();

        services.AddAuthorization(AdminPolicies.Configure);
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PasswordChangeRedirect>();

        // One per circuit: the admin's browser time zone (AdminClock, AdminTime).
        services.AddScoped<Time.AdminClock>();
        services.AddSingleton<Cluster.GenerationStatusReader>();
        services.AddSingleton<Cluster.NodeListenerStatusReader>();
        services.AddSingleton<Queue.MessagePreviewReader>();
        services.AddSingleton<Dashboard.DashboardQuery>();

        services.AddSingleton(new OperatorConsole(Console.Out));
        services.AddSingleton<IStartupSeeder, AdminAccountSeeder>();
        return services;
    }

    public static WebApplication MapAdminCenter(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapQueueExport();
        app.MapTraceExport();
        app.MapConfigurationExport();
        app.MapAuditExport();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
