using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Authentication.Dkim;

/// <summary>
/// Whether DNS serves a signing key's record as Mailflow signs with it: the TXT record at
/// <c>selector._domainkey.domain</c> (through a CNAME too, as receivers follow it), parsed as a DKIM
/// key record, with our key type and our public key. Asks the node's one DNS client, like the verifier.
/// </summary>
public sealed class DkimDnsChecker(AuthenticationDns dns) : IDkimDnsCheck
{
    public async Task<DkimDnsCheckResult> CheckAsync(DkimSigningKey key, CancellationToken cancellationToken = default)
    {
        var name = key.DnsRecordName;
        var expected = key.DnsRecordValue;
        var publish = $"Publish {name} TXT \"{expected}\".";
        var answer = await dns.TxtAsync(name, cancellationToken);
        if (answer.Status == DnsLookupStatus.Failed)
            return new(DkimDnsStatus.DnsError, name, expected, null, $"DNS did not answer for {name} ({answer.Error}); try again later.");
        if (answer.Status != DnsLookupStatus.Found)
            return new(DkimDnsStatus.Missing, name, expected, null, $"DNS has no TXT record at {name}. {publish}");
        var mismatch = (string?)null;
        foreach (var text in answer.Records)
        {
            DkimKeyRecord record;
            try
            {
                record = DkimKeyRecord.Parse(text);
            }
            catch (FormatException exception)
            {
                mismatch ??= $"The TXT record at {name} is not a DKIM key record ({exception.Message}). {publish}";
                continue;
            }
            var ourType = key.Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519" : "rsa";
            if (record.KeyType == ourType && record.PublicKeyData == key.PublicKey)
                return new(DkimDnsStatus.Published, name, expected, text, $"DNS serves this key at {name}.");
            mismatch = record.IsRevoked
                ? $"The record at {name} revokes the key (empty p=). {publish}"
                : $"DNS serves a different {(record.KeyType == ourType ? "" : record.KeyType + " ")}key at {name}: receivers would fail our signatures. {publish}";
        }
        return new(DkimDnsStatus.Mismatch, name, expected, answer.Records.FirstOrDefault(), mismatch!);
    }
}
