using System.Buffers;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Session;

namespace Mailflow.Server.Tests.Receive;

/// <summary>
/// The DATA reader's verdict must not depend on how the bytes arrived (found by the fuzzer, fuzz/corpus/data/):
/// a message both over the size limit and with a refused bare line ending was "too big" when it came in
/// small packets and "bare line ending" when it came in one.
/// </summary>
public sealed class DataReceiverSegmentationTests
{
    private const string TooBigWithALateBareCr = "Subject: x\r\n" + "0123456789012345678901234567890123456789012345678901234567890123456789\r\nlate\rbare CR\r\n.\r\n";

    [Theory]
    [InlineData(BareLineEndingPolicy.Reject)]
    [InlineData(BareLineEndingPolicy.Normalize)]
    public void AMessageOverTheSizeLimit_IsTooBig_WhetherItArrivesAtOnceOrByteByByte(BareLineEndingPolicy policy)
    {
        var bytes = Encoding.ASCII.GetBytes(TooBigWithALateBareCr);

        var atOnce = Read([bytes], policy);
        var byteByByte = Read([.. bytes.Select(b => new[] { b })], policy);

        Assert.Equal(ContentFailure.TooBig, atOnce);
        Assert.Equal(ContentFailure.TooBig, byteByByte);
    }

    [Fact]
    public void AMessageWithinTheLimit_StillFailsOnItsBareCr_HoweverItArrives()
    {
        var bytes = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nlate\rbare CR\r\n.\r\n");

        Assert.Equal(ContentFailure.BareLineEnding, Read([bytes], BareLineEndingPolicy.Reject, maxSize: 1000));
        Assert.Equal(ContentFailure.BareLineEnding, Read([.. bytes.Select(b => new[] { b })], BareLineEndingPolicy.Reject, maxSize: 1000));
    }

    private static ContentFailure Read(IEnumerable<byte[]> arrivals, BareLineEndingPolicy policy, long maxSize = 64)
    {
        var reader = new DataReceiver(maxSize, 998, policy);
        foreach (var arrival in arrivals)
        {
            if (reader.Scan(new ReadOnlySequence<byte>(arrival), [], out _))
                return reader.Failure;
        }
        throw new InvalidOperationException("no end of data");
    }
}
