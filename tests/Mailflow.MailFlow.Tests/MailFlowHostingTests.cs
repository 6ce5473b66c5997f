using Mailflow.Server.Hosting;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Route;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailflow.MailFlow.Tests;

public sealed class MailFlowHostingTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<MailflowOptions>().Bind(configuration.GetSection(MailflowOptions.Section));
        services.AddMailFlowDecisions(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void DecisionServicesResolveWithConfiguredNodeAndDnsServers_When_Registered()
    {
        using var provider = Build(("Mailflow:NodeName", "node-7"), ("Mailflow:Dns:Servers:0", "127.0.0.1:5353"), ("Mailflow:Dns:TimeoutMilliseconds", "1500"));

        Assert.Equal("node-7", provider.GetRequiredService<NextHopResolver>().NodeName);
        Assert.NotNull(provider.GetRequiredService<RecipientResolver>());
        Assert.NotNull(provider.GetRequiredService<TransportRuleEvaluator>());
        Assert.NotNull(provider.GetRequiredService<MxResolver>());
        var dns = provider.GetRequiredService<IOptions<DnsOptions>>().Value;
        Assert.Equal("127.0.0.1:5353", Assert.Single(dns.ParseServers()).ToString());
        Assert.Equal(1500, dns.TimeoutMilliseconds);
    }

    [Fact]
    public void StartupValidationNamesTheSetting_When_DnsServerIsInvalid()
    {
        using var provider = Build(("Mailflow:Dns:Servers:0", "dns.example.com"));
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DnsOptions>>().Value);
        Assert.Contains("Mailflow:Dns:Servers", error.Message);
    }
}
