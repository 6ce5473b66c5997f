using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// NIST SP 800-63B §5.1.1.2: refuse passwords from lists of commonly used or compromised ones.
/// Guessers try a common word with digits or symbols around it first, so the letters of the password
/// are compared with <see cref="CommonPasswords"/> (<c>password1234</c> and <c>P@ssw0rd!</c> are
/// refused alike), as are a password made of one repeated character or a keyboard run, and one that
/// contains the user name.
/// </summary>
public sealed class CommonPasswordValidator : IPasswordValidator<AdminUser>
{
    public const string Code = "CommonPassword";

    public Task<IdentityResult> ValidateAsync(UserManager<AdminUser> manager, AdminUser user, string? password) =>
        Task.FromResult(IsCommon(password ?? "", user.UserName)
            ? IdentityResult.Failed(new IdentityError
            {
                Code = Code,
                Description = "This password is too common or too easy to guess: choose a longer phrase of your own.",
            })
            : IdentityResult.Success);

    public static bool IsCommon(string password, string? userName)
    {
        var lower = password.ToLowerInvariant();
        if (lower.Distinct().Count() <= 2 || !lower.Any(char.IsLetter))
            return true; // digits and symbols only, or one or two characters repeated
        // The letters as typed (password1234 → password) and with the usual swaps undone (p@ssw0rd → password).
        // Digits and symbols before and after the word are decoration; inside it they stand for letters.
        var core = lower.Trim().TrimStart("0123456789!@#$%^&*()_+-=.,;:?~ ".ToCharArray()).TrimEnd("0123456789!@#$%^&*()_+-=.,;:?~ ".ToCharArray());
        string[] bases = [new([.. lower.Where(char.IsLetter)]), new([.. Unleet(core).Where(char.IsLetter)])];
        foreach (var letters in bases)
        {
            if (CommonPasswords.Words.Contains(letters))
                return true;
            if (letters.Length >= 4 && CommonPasswords.KeyboardRuns.Any(run => run.Contains(letters, StringComparison.Ordinal)))
                return true;
            if (userName is { Length: >= 3 } name && letters.Contains(name.ToLowerInvariant(), StringComparison.Ordinal) && letters.Length - name.Length < 6)
                return true;
        }
        return false;
    }

    /// <summary>The usual letter-for-digit swaps (p@ssw0rd → password).</summary>
    private static string Unleet(string text) => string.Create(text.Length, text, (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
            span[i] = source[i] switch
            {
                '@' or '4' => 'a',
                '3' => 'e',
                '1' or '!' => 'i',
                '0' => 'o',
                '$' or '5' => 's',
                '7' => 't',
                _ => source[i],
            };
    });
}
