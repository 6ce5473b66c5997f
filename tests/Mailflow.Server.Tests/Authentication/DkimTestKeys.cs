using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>Keys and MimeKit-signed messages for DKIM tests (keys are made once per test run).</summary>
public static class DkimTestKeys
{
    public static readonly Lazy<AsymmetricCipherKeyPair> Rsa2048 = new(() => Rsa(2048));
    public static readonly Lazy<AsymmetricCipherKeyPair> Rsa512 = new(() => Rsa(512));
    public static readonly Lazy<AsymmetricCipherKeyPair> Ed25519 = new(() =>
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    });

    private static AsymmetricCipherKeyPair Rsa(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        return generator.GenerateKeyPair();
    }

    /// <summary>The TXT record that publishes <paramref name="pair"/>'s public key.</summary>
    public static string Record(AsymmetricCipherKeyPair pair, string extra = "") => pair.Public is Ed25519PublicKeyParameters ed
        ? $"v=DKIM1; k=ed25519;{extra} p={Convert.ToBase64String(ed.GetEncoded())}"
        : $"v=DKIM1; k=rsa;{extra} p={Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded())}";

    public static MimeMessage Message(string from = "alice@example.com", string body = "Hello,\r\n\r\nthe report is attached.\r\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("bob@receiver.example"));
        message.Subject = "Quarterly report";
        message.Date = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        message.MessageId = "report-1@example.com";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static MimeMessage Sign(MimeMessage message, AsymmetricCipherKeyPair pair, string domain, string selector,
        DkimSignatureAlgorithm? algorithm = null, string? identity = null)
    {
        var signer = new DkimSigner(pair.Private, domain, selector, algorithm ?? (pair.Private is Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256))
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            AgentOrUserIdentifier = identity,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        return message;
    }

    /// <summary>The message as bytes and parsed back, as a receiver sees it.</summary>
    public static MimeMessage Reparse(MimeMessage message) => MimeMessage.Load(new MemoryStream(Bytes(message)));

    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(options, stream);
        return stream.ToArray();
    }
}
