namespace Mailflow.Configuration;

/// <summary>The remote domains section of a configuration document, keyed by domain name.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanRemoteDomains(List<RemoteDomainSpec>? specs, List<RemoteDomain> current)
    {
        const string section = "remoteDomains";
        // The default entry always exists: a section without it resets it to its defaults rather than removing it.
        if (specs is not null && !specs.Any(s => (s?.DomainName ?? "").Trim() == RemoteDomain.DefaultDomainName))
            specs = [.. specs, SpecJson.Copy<RemoteDomainSpec>(RemoteDomain.CreateDefault())];
        var final = PlanSection(
            section, nameof(RemoteDomain.DomainName), specs, current,
            keyOf: s => NormalizeRemoteDomain(s.DomainName),
            entityKey: e => e.DomainName,
            toEntity: (spec, _, _) =>
            {
                var entry = SpecJson.Copy<RemoteDomain>(spec);
                entry.DomainName = NormalizeRemoteDomain(entry.DomainName);
                return entry;
            },
            toSpec: e => SpecJson.Copy<RemoteDomainSpec>(e),
            validateFields: RemoteDomainService.ValidateFields);
        if (specs is null)
            return;
        for (var i = 0; i < final.Count; i++)
            foreach (var (field, message) in RemoteDomainService.Clashes(final[i], final.Take(i).Where(e => !string.Equals(e.DomainName, final[i].DomainName, StringComparison.OrdinalIgnoreCase))))
                _errors.Add($"{section}[{i}].{field}", message);
    }

    private static string NormalizeRemoteDomain(string? domain)
    {
        var text = (domain ?? "").Trim();
        return text != RemoteDomain.DefaultDomainName && AddressPattern.TryParse(text, out var pattern, out _) ? pattern.Text : text.ToLowerInvariant();
    }
}
