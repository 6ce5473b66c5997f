using System.Globalization;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;

namespace Mailflow.E2E.Tests;

/// <summary>The real server with its SMTP engine running: the seeded connectors listen on loopback ports chosen at run time.</summary>
public sealed class SmtpMailflowServerFixture : MailflowServerFixture
{
    protected override void ConfigureSmtp(IWebHostBuilder builder)
    {
        builder.UseSetting("Mailflow:Smtp:Enabled", "true");
        builder.UseSetting("Mailflow:Seed:BindAddress", "127.0.0.1");
        builder.UseSetting("Mailflow:Seed:DefaultFrontendPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Mailflow:Seed:ClientFrontendPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Mailflow:Seed:ImplicitTlsPort", FreePort.Get().ToString(CultureInfo.InvariantCulture));
    }
}
