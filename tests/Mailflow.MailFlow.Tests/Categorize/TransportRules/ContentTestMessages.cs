namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

/// <summary>Raw messages with the body shapes disclaimers meet.</summary>
public static class ContentTestMessages
{
    private const string Headers =
        "From: Alice <alice@contoso.com>\r\n" +
        "To: Bob <bob@fabrikam.example>\r\n" +
        "Subject: Status\r\n" +
        "Date: Sun, 01 Jun 2025 12:00:00 +0000\r\n" +
        "Message-Id: <content@contoso.com>\r\n" +
        "X-Remove-Me: one\r\n" +
        "X-Remove-Me: two\r\n" +
        "MIME-Version: 1.0\r\n";

    public const string PlainText = Headers +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "Content-Transfer-Encoding: 7bit\r\n" +
        "\r\n" +
        "The build is green.\r\n";

    public const string Html = Headers +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<html><body class=\"x\"><p>The build is green.</p></body></html>\r\n";

    public const string Alternative = Headers +
        "Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
        "\r\n" +
        "--alt\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "The build is green.\r\n" +
        "--alt\r\n" +
        "Content-Type: text/html; charset=utf-8\r\n" +
        "\r\n" +
        "<html><body><p>The build is green.</p></body></html>\r\n" +
        "--alt--\r\n";

    public const string MixedWithAttachment = Headers +
        "Content-Type: multipart/mixed; boundary=\"mix\"\r\n" +
        "\r\n" +
        "--mix\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "See the attached log.\r\n" +
        "--mix\r\n" +
        "Content-Type: text/plain; name=build.log\r\n" +
        "Content-Disposition: attachment; filename=build.log\r\n" +
        "\r\n" +
        "log line\r\n" +
        "--mix--\r\n";

    /// <summary>S/MIME clear-signed (RFC 8551 §3.5.3): changing a byte of the first part breaks the signature.</summary>
    public const string Signed = Headers +
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"\r\n" +
        "\r\n" +
        "--sig\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        "Signed text.\r\n" +
        "--sig\r\n" +
        "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=smime.p7s\r\n" +
        "\r\n" +
        "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCA\r\n" +
        "--sig--\r\n";

    /// <summary>S/MIME enveloped data (RFC 8551 §3.3): the body is ciphertext.</summary>
    public const string Encrypted = Headers +
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=smime.p7m\r\n" +
        "\r\n" +
        "MIAGCSqGSIb3DQEHA6CAMIACAQAxggFAMIIBPAIBADAkMBcxFTATBgNVBAMTDGNvbnRvc28uY29t\r\n";

    /// <summary>A signed message forwarded as the body of a mixed message: the text to change sits inside the signature.</summary>
    public const string SignedInsideMixed = Headers +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
        "\r\n" +
        "--outer\r\n" +
        "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=\"sig\"\r\n" +
        "\r\n" +
        "--sig\r\n" +
        "Content-Type: text/plain\r\n" +
        "\r\n" +
        "Signed text.\r\n" +
        "--sig\r\n" +
        "Content-Type: application/pgp-signature\r\n" +
        "\r\n" +
        "-----BEGIN PGP SIGNATURE-----\r\nAAAA\r\n-----END PGP SIGNATURE-----\r\n" +
        "--sig--\r\n" +
        "--outer--\r\n";
}
