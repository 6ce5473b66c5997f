using Mailflow.Configuration;

namespace Mailflow.Shared.Tests.Validation;

public sealed class DomainNameRulesTests
{
    [Theory]
    [InlineData("contoso.com", "contoso.com")]
    [InlineData("  Contoso.COM. ", "contoso.com")]
    [InlineData("mail-1.sub.contoso.co.uk", "mail-1.sub.contoso.co.uk")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    public void TryNormalize_ReturnsLowerCaseAsciiName_When_NameIsValid(string input, string expected)
    {
        Assert.True(DomainNameRules.TryNormalize(input, out var normalized, out var error));
        Assert.Null(error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("", "Enter a domain name")]
    [InlineData("contoso", "has no dot")]
    [InlineData("*.contoso.com", "tick 'match subdomains'")]
    [InlineData("-bad.contoso.com", "may not start or end with a hyphen")]
    [InlineData("con_toso.com", "not a valid domain name")]
    [InlineData("a..b", "not a valid domain name")]
    public void TryNormalize_ExplainsTheProblem_When_NameIsInvalid(string input, string messagePart)
    {
        Assert.False(DomainNameRules.TryNormalize(input, out _, out var error));
        Assert.Contains(messagePart, error);
    }

    [Fact]
    public void TryNormalize_Refuses_When_NameIsLongerThan253Characters()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".com";
        Assert.False(DomainNameRules.TryNormalize(name, out _, out var error));
        Assert.Contains("253", error);
    }
}
