using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.Loops;
using MimeKit;

namespace Mailflow.Server.Tests.Agents;

/// <summary>
/// Counting hops: every Received field counts, and a field is ours when its <c>by</c> clause names the
/// node or one of its connectors' FQDNs — not when our name only appears in the client-controlled
/// <c>from</c> part or a comment. The limits decide with a reason that names where they are set.
/// </summary>
public sealed class ReceivedHopsTests
{
    private static readonly TransportConfig Snapshot = new(1, DateTimeOffset.UnixEpoch, [], [new ReceiveConnector { Name = "Edge", Fqdn = "edge.contoso.test" }], [], [], [], new OrganizationSettings());

    [Theory]
    [InlineData("from a.example ([192.0.2.1]) by mx.contoso.test with ESMTP id 1; Mon, 7 Dec 2026 10:00:00 +0000", "mx.contoso.test")]
    [InlineData("from a.example (helo by evil.example) by MX.contoso.test. with ESMTPS id 2; Mon, 7 Dec 2026 10:00:00 +0000", "MX.contoso.test")]
    [InlineData("from mbx.example (10.0.0.1) by\r\n cas.example (10.0.0.2) with Microsoft SMTP Server id 15.1; Mon, 7 Dec 2026 10:00:00 +0000", "cas.example")]
    [InlineData("from Pickup by mbx.example with Microsoft SMTP Server id 15.1; Mon, 7 Dec 2026 10:00:00 +0000", "mbx.example")]
    [InlineData("from by-pass.example ([192.0.2.1]); Mon, 7 Dec 2026 10:00:00 +0000", null)]
    public void ByHost_is_the_host_of_the_by_clause_outside_comments(string value, string? expected) =>
        Assert.Equal(expected, ReceivedHops.ByHost(value));

    [Fact]
    public void Local_hops_are_those_by_the_node_or_a_connector_fqdn()
    {
        var headers = new HeaderList
        {
            new Header(HeaderId.Received, "from x (helo mx.contoso.test) by relay.fabrikam.test with ESMTP id 1; Mon, 7 Dec 2026 10:00:00 +0000"),
            new Header(HeaderId.Received, "from y by mx.contoso.test with ESMTP id 2; Mon, 7 Dec 2026 10:00:00 +0000"),
            new Header(HeaderId.Received, "from z by edge.contoso.test with ESMTP id 3; Mon, 7 Dec 2026 10:00:00 +0000"),
            new Header(HeaderId.Subject, "not a hop"),
        };
        Assert.Equal(new ReceivedHops(3, 2), ReceivedHops.Count(headers, OwnHostNames.For(Snapshot, "mx.contoso.test")));
    }

    [Fact]
    public void Limits_refuse_over_either_count_with_554_5_4_6_and_say_which()
    {
        var limits = new HopLimits(30, 8, "receive connector 'Edge'");
        Assert.Equal(AgentVerdictKind.Continue, HopCountAgent.Decide(new ReceivedHops(30, 8), limits, explain: false).Kind);

        var total = HopCountAgent.Decide(new ReceivedHops(31, 0), limits, explain: false);
        Assert.Equal("554 5.4.6 Routing loop detected", total.Reply!.ToString());
        Assert.Equal("routing loop: 31 Received header fields, more than the 30 hops receive connector 'Edge' allows", total.Detail);

        var local = HopCountAgent.Decide(new ReceivedHops(9, 9), limits, explain: false);
        Assert.Equal(AgentVerdictKind.Reject, local.Kind);
        Assert.Contains("9 Received header fields written by our own servers, more than the 8 local hops", local.Detail);
    }
}
