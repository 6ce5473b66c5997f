using System.Text.Json;
using Mailflow.Configuration;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>
/// Each aggregate's defaults have one source (its Defaults class): a new entity and a new document spec
/// agree field by field, so a document that leaves a field out means the same as the admin center's form.
/// </summary>
public sealed class ConfigurationDefaultsTests
{
    private static string AsSpec<TSpec>(object entity) =>
        JsonSerializer.Serialize(JsonSerializer.Deserialize<TSpec>(JsonSerializer.Serialize(entity, entity.GetType(), ConfigurationDocument.JsonOptions), ConfigurationDocument.JsonOptions),
            ConfigurationDocument.JsonOptions);

    private static string Json<T>(T spec) => JsonSerializer.Serialize(spec, ConfigurationDocument.JsonOptions);

    [Fact]
    public void NewEntityAndNewSpec_HaveTheSameDefaults_ForEveryAggregate()
    {
        Assert.Equal(Json(new ReceiveConnectorSpec()), AsSpec<ReceiveConnectorSpec>(new ReceiveConnector()));
        Assert.Equal(Json(new SendConnectorSpec()), AsSpec<SendConnectorSpec>(new SendConnector()));
        Assert.Equal(Json(new OrganizationSettingsSpec()), AsSpec<OrganizationSettingsSpec>(new OrganizationSettings()));
        Assert.Equal(Json(new AcceptedDomainSpec()), AsSpec<AcceptedDomainSpec>(new AcceptedDomain()));
        Assert.Equal(Json(new TransportRuleSpec()), AsSpec<TransportRuleSpec>(new TransportRule()));
    }

    [Fact]
    public void Defaults_AreExchangesAndTheOrganizationLimitsFollowTheConnectors()
    {
        Assert.Equal(36L * 1024 * 1024, new ReceiveConnector().MaxMessageSizeBytes);
        Assert.Equal(35L * 1024 * 1024, new SendConnector().MaxMessageSizeBytes);
        Assert.Equal(5000, new ReceiveConnectorSpec().MaxInboundConnections);
        Assert.Equal(ReceiveConnectorDefaults.MaxMessageSizeBytes, new OrganizationSettingsSpec().MaxReceiveSizeBytes);
        Assert.Equal(SendConnectorDefaults.MaxMessageSizeBytes, new OrganizationSettings().MaxSendSizeBytes);
    }
}
