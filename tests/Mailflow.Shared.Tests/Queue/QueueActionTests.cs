using System.Text.Json;
using System.Text.Json.Serialization;
using Mailflow.Queue;

namespace Mailflow.Shared.Tests.Queue;

/// <summary>The one queue action enum keeps the API's wire names (Retry; Remove with an ndr flag) that the CLI and scripts send.</summary>
public sealed class QueueActionTests
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    [Theory]
    [InlineData("\"Retry\"", QueueAction.RetryNow)]
    [InlineData("\"Suspend\"", QueueAction.Suspend)]
    [InlineData("\"Resume\"", QueueAction.Resume)]
    [InlineData("\"Release\"", QueueAction.Release)]
    [InlineData("\"Remove\"", QueueAction.RemoveSilently)]
    [InlineData("\"RemoveWithNdr\"", QueueAction.RemoveWithNdr)]
    public void ApiWireName_ReadsAsTheAction(string json, QueueAction expected)
    {
        Assert.Equal(expected, JsonSerializer.Deserialize<QueueAction>(json, Json));
        Assert.Equal(json, JsonSerializer.Serialize(expected, Json));
    }

    [Fact]
    public void WithNdr_TurnsOnlyASilentRemovalIntoRemovalWithNdr()
    {
        Assert.Equal(QueueAction.RemoveWithNdr, QueueAction.RemoveSilently.WithNdr(true));
        Assert.Equal(QueueAction.RemoveSilently, QueueAction.RemoveSilently.WithNdr(false));
        Assert.Equal(QueueAction.Suspend, QueueAction.Suspend.WithNdr(true));
        Assert.Equal(QueueAction.RemoveWithNdr, QueueAction.RemoveWithNdr.WithNdr(false));
    }
}
