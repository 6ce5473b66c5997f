using System.Net;
using Mailflow.Net;

namespace Mailflow.Shared.Tests.Validation;

public sealed class IpRangeTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.1.2.3/16", "10.1.200.1", true)]
    [InlineData("192.0.2.10", "192.0.2.10", true)]
    [InlineData("192.0.2.10", "192.0.2.11", false)]
    [InlineData("192.0.2.1-192.0.2.9", "192.0.2.9", true)]
    [InlineData("192.0.2.1-192.0.2.9", "192.0.2.10", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)]
    [InlineData("0.0.0.0/0", "203.0.113.5", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    public void Contains_MatchesAddressesInTheRange(string range, string address, bool expected) =>
        Assert.Equal(expected, IpRange.Parse(range).Contains(IPAddress.Parse(address)));

    [Theory]
    [InlineData("10.0.0.0/33", "10.0.0.0/33 is not a valid CIDR range")]
    [InlineData("2001:db8::/129", "not a valid CIDR range")]
    [InlineData("10.0.0.9-10.0.0.1", "first address is higher")]
    [InlineData("10.0.0.1-2001:db8::1", "same family")]
    [InlineData("300.1.1.1", "not a valid IP address")]
    [InlineData("10.1", "not a valid IP address")]
    [InlineData("", "Enter an IP address")]
    public void TryParse_ExplainsTheProblem_When_TextIsNotARange(string text, string messagePart)
    {
        Assert.False(IpRange.TryParse(text, out _, out var error));
        Assert.Contains(messagePart, error);
    }

    [Fact]
    public void Size_OrdersRangesBySpecificity()
    {
        Assert.True(IpRange.Parse("10.1.0.0/16").Size < IpRange.Parse("10.0.0.0/8").Size);
        Assert.Equal(1, IpRange.Parse("10.0.0.1").Size);
        Assert.Equal(9, IpRange.Parse("10.0.0.1-10.0.0.9").Size);
    }

    [Fact]
    public void Equals_IsTrue_When_RangesCoverTheSameAddresses() =>
        Assert.Equal(IpRange.Parse("10.1.2.3/8"), IpRange.Parse("10.0.0.0-10.255.255.255"));
}
