using Mailflow.Admin.Web.Identity;

namespace Mailflow.Admin.Web.Tests;

/// <summary>Issue 13, finding 8: common passwords are refused however they are decorated.</summary>
public sealed class CommonPasswordValidatorTests
{
    [Theory]
    [InlineData("password1234")]
    [InlineData("P@ssw0rd!2024")]
    [InlineData("qwertyuiop12")]
    [InlineData("123456789012")]
    [InlineData("Welcome2024!")]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("Mailflow2024!")]
    [InlineData("admin-2024-01")]
    public void CommonPasswords_AreRefused(string password) => Assert.True(CommonPasswordValidator.IsCommon(password, "admin"), password);

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("First-Start-Password-1")]
    [InlineData("dana's long theme password")]
    [InlineData("Tulips grow by the canal 7")]
    public void OwnPhrases_AreAccepted(string password) => Assert.False(CommonPasswordValidator.IsCommon(password, "admin"), password);
}
