using Mailflow.Configuration;
using Microsoft.AspNetCore.Identity;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>
/// Issue 13, finding 6: an unknown address (or a recipient without a submission password) costs the
/// same password hash as a real mailbox, so AUTH timing does not reveal which addresses have one.
/// </summary>
public sealed class SubmissionPasswordDummyHashTests
{
    private sealed class CountingHasher : IPasswordHasher<Recipient>
    {
        private readonly PasswordHasher<Recipient> _inner = new();
        public int Verifications;

        public string HashPassword(Recipient user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(Recipient user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref Verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    [Fact]
    public void UnknownAndPasswordlessRecipients_AreVerifiedAgainstADummyHash_AndRefused()
    {
        var hasher = new CountingHasher();
        // Verification needs no configuration editor.
        var service = new RecipientService(null!, hasher, null!);
        var withPassword = new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test" };
        withPassword.SubmissionPasswordHash = hasher.HashPassword(withPassword, "correct horse battery");
        var withoutPassword = new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" };

        Assert.False(service.VerifySubmissionPassword(null, "correct horse battery"));
        Assert.False(service.VerifySubmissionPassword(withoutPassword, "correct horse battery"));
        Assert.False(service.VerifySubmissionPassword(withPassword, "wrong"));
        Assert.True(service.VerifySubmissionPassword(withPassword, "correct horse battery"));

        Assert.Equal(4, hasher.Verifications);
    }
}
