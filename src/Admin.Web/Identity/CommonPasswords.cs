namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// The letters of the most common passwords in public breach corpora (the top of the
/// "10k most common" lists, digits and symbols removed), plus words an attacker would try first
/// against a mail server's admin center.
/// </summary>
internal static class CommonPasswords
{
    public static readonly IReadOnlySet<string> Words = new HashSet<string>(StringComparer.Ordinal)
    {
        "password", "passwort", "passw", "pass", "passpass", "mypassword", "newpassword", "changeme",
        "changeit", "letmein", "welcome", "welcomewelcome", "admin", "administrator", "adminadmin", "root", "toor",
        "qwerty", "qwertyuiop", "qwertz", "azerty", "asdf", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "qazwsx",
        "qwer", "abc", "abcd", "abcdef", "abcdefg", "abcdefgh", "iloveyou", "loveme", "lovely", "princess",
        "dragon", "monkey", "master", "shadow", "sunshine", "football", "baseball", "soccer", "hockey", "superman",
        "batman", "starwars", "trustno", "whatever", "freedom", "secret", "secretpassword", "login", "access",
        "mustang", "michael", "jennifer", "jordan", "hunter", "ranger", "buster", "thomas", "tigger", "charlie",
        "robert", "daniel", "jessica", "ashley", "bailey", "harley", "computer", "internet", "service", "server",
        "mailserver", "mail", "email", "postmaster", "mailflow", "exchange", "outlook", "microsoft", "google",
        "summer", "winter", "spring", "autumn", "january", "february", "december", "monday", "friday",
        "hello", "helloworld", "test", "testtest", "testing", "tester", "guest", "user", "default", "temp",
        "temporary", "example", "company", "office", "support", "helpdesk", "security", "system", "manager",
        "pokemon", "nintendo", "matrix", "cheese", "chocolate", "cookie", "pepper", "ginger", "orange", "banana",
        "purple", "killer", "biteme", "fuckyou", "fuckoff", "asshole", "blink", "naruto", "metallica", "slipknot",
        "liverpool", "chelsea", "arsenal", "barcelona", "juventus", "yankees", "cowboys", "eagles", "lakers",
        "flower", "angel", "angels", "babygirl", "lovelove", "iloveu", "forever", "family", "mother", "father",
        "passwordpassword", "adminpassword", "rootpassword", "letmeinnow", "opensesame", "open", "nopassword",
    };

    /// <summary>Rows of common keyboard layouts and the alphabet: any run of four or more letters from one is a guess.</summary>
    public static readonly string[] KeyboardRuns =
    [
        "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
        "abcdefghijklmnopqrstuvwxyz", "poiuytrewq", "lkjhgfdsa", "mnbvcxz", "qazwsxedcrfvtgbyhnujmikolp",
    ];
}
