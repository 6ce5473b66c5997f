using System.Net;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Tests.Receive;

public class IpAddressRangeTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.1.2.3/8", "10.9.9.9", true)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    [InlineData("192.0.2.7/32", "192.0.2.7", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("10.0.0.1-10.0.0.9", "10.0.0.9", true)]
    [InlineData("10.0.0.1-10.0.0.9", "10.0.0.10", false)]
    [InlineData("10.0.0.1-10.0.0.9", "10.0.0.0", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "192.0.2.1", false)]
    [InlineData("2001:db8::1", "2001:db8:0:0::1", true)]
    [InlineData("2001:db8::1-2001:db8::ff", "2001:db8::80", true)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.0/8", "::1", false)]
    public void Contains_WhenAddressGiven_MatchesTheRange(string range, string address, bool expected)
    {
        Assert.Equal(expected, IpAddressRange.Parse(range).Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.9-10.0.0.1")]
    [InlineData("10.0.0.1-2001:db8::1")]
    [InlineData("10")]
    [InlineData("10.1")]
    [InlineData("example.com")]
    [InlineData("10.0.0.0/x")]
    public void TryParse_WhenTextIsNotARange_Fails(string text)
    {
        Assert.False(IpAddressRange.TryParse(text, out _));
    }

    [Fact]
    public void Size_WhenRangesNest_IsSmallerForTheMoreSpecific()
    {
        Assert.True(IpAddressRange.Parse("10.1.0.0/16").Size < IpAddressRange.Parse("10.0.0.0/8").Size);
        Assert.True(IpAddressRange.Parse("10.1.1.1").Size < IpAddressRange.Parse("10.1.1.0-10.1.1.3").Size);
    }
}
