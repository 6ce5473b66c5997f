namespace Mailflow.Configuration;

/// <summary>The DKIM section of a configuration document: stored keys referenced by domain and selector, never defined by it.</summary>
internal sealed partial class ConfigurationPlanner
{
    internal static DkimKeySpec ToSpec(DkimSigningKey key) => new()
    {
        Domain = key.Domain,
        Selector = key.Selector,
        Algorithm = key.Algorithm,
        PublicKey = key.PublicKey,
        Enabled = key.Enabled,
        RotateEveryDays = key.RotateEveryDays,
    };

    private void PlanDkimKeys(List<DkimKeySpec>? specs, List<DkimSigningKey> current)
    {
        if (specs is null)
            return;
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var path = $"dkimKeys[{i}]";
            var domain = DomainNameRules.TryNormalize(spec.Domain, out var normalized, out _) ? normalized : (spec.Domain ?? "").Trim();
            var selector = (spec.Selector ?? "").Trim().ToLowerInvariant();
            var key = current.FirstOrDefault(k => k.Domain == domain && k.Selector == selector);
            if (key is null)
            {
                _errors.Add(path, $"{selector}._domainkey.{domain} is not a key on this server: private keys are never in a document. Generate or import the key here first.");
                continue;
            }
            if (!string.IsNullOrEmpty(spec.PublicKey) && spec.PublicKey != key.PublicKey)
            {
                _errors.Add($"{path}.{nameof(DkimKeySpec.PublicKey)}", $"{key.DnsRecordName} holds a different key on this server; a document cannot change a key, only whether it signs.");
                continue;
            }
            if (spec.RotateEveryDays is < DkimKeyService.MinimumRotationDays or > 3650)
                _errors.Add($"{path}.{nameof(DkimKeySpec.RotateEveryDays)}", $"Rotate every {DkimKeyService.MinimumRotationDays} to 3650 days, or leave it out to rotate only by hand.");
            if (spec.Enabled && key.Lifecycle is DkimKeyLifecycle.Retired)
                _errors.Add($"{path}.{nameof(DkimKeySpec.Enabled)}", $"{key.DnsRecordName} is retired: its private key is erased, so it cannot sign.");
            var differences = new List<string>();
            if (spec.Enabled != key.Enabled)
                differences.Add(nameof(DkimKeySpec.Enabled));
            if (spec.RotateEveryDays != key.RotateEveryDays)
                differences.Add(nameof(DkimKeySpec.RotateEveryDays));
            if (differences.Count == 0)
                continue;
            var before = AuditJson.Serialize(key);
            var revision = key.Revision;
            if (spec.Enabled && !key.Enabled)
                (key.ActivatedAt, key.ActivateWhenPublished, key.RetiringSince) = (key.ActivatedAt ?? DateTimeOffset.UtcNow, false, null);
            key.Enabled = spec.Enabled;
            key.RotateEveryDays = spec.RotateEveryDays;
            ConfigurationChangeWriter.ExpectRevision(db, key, revision);
            Record(PlannedAction.Update, key, key.DisplayName, differences, before);
        }
    }
}
