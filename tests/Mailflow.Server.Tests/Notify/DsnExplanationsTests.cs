using Mailflow.Server.Transport.Notify;

namespace Mailflow.Server.Tests.Notify;

/// <summary>
/// The NDR's plain words per enhanced status code: codes whose subject sentence would mislead the
/// sender have texts of their own, and unknown codes still fall back to their subject and class.
/// </summary>
public sealed class DsnExplanationsTests
{
    [Fact]
    public void A_rejected_sender_address_is_not_explained_as_a_problem_with_the_recipients_address()
    {
        var text = DsnExplanations.Explain("5.1.8");

        Assert.Contains("your sender address", text, StringComparison.Ordinal);
        Assert.DoesNotContain("problem with the recipient's address", text, StringComparison.Ordinal);
        Assert.Contains("5.1.8", DsnExplanations.CodesWithOwnText);
    }

    [Theory]
    [InlineData("5.7.23", "SPF record")]
    [InlineData("5.7.25", "reverse DNS")]
    public void Sender_authentication_refusals_name_the_cause_and_who_can_fix_it(string code, string cause)
    {
        var text = DsnExplanations.Explain(code);

        Assert.Contains(cause, text, StringComparison.Ordinal);
        Assert.Contains("Your administrator can fix this.", text, StringComparison.Ordinal);
        Assert.NotEqual(DsnExplanations.Explain("5.7.99"), text);
    }

    [Theory]
    [InlineData("5.1.99", "There's a problem with the recipient's address.")]
    [InlineData("4.7.99", "The recipient's server refused the message for a security or policy reason. We keep trying.")]
    [InlineData("5.99.1", "The message couldn't be delivered.")]
    [InlineData("4.99.1", "Delivery is delayed; we keep trying.")]
    public void Codes_without_a_text_of_their_own_fall_back_to_their_subject_then_their_class(string code, string expected)
        => Assert.Equal(expected, DsnExplanations.Explain(code));
}
