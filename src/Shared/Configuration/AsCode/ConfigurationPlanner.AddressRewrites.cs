namespace Mailflow.Configuration;

/// <summary>The address rewriting section of a configuration document, keyed by entry name.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanAddressRewrites(List<AddressRewriteSpec>? specs, List<AddressRewriteEntry> current)
    {
        const string section = "addressRewrites";
        var final = PlanSection(
            section, nameof(AddressRewriteEntry.Name), specs, current,
            keyOf: s => (s.Name ?? "").Trim(),
            entityKey: e => e.Name,
            toEntity: (spec, _, _) =>
            {
                var entry = SpecJson.Copy<AddressRewriteEntry>(spec);
                entry.Name = (entry.Name ?? "").Trim();
                entry.ExceptionList = [.. (entry.ExceptionList ?? []).Select(e => e.Trim()).Where(e => e.Length > 0)];
                return entry;
            },
            toSpec: e => SpecJson.Copy<AddressRewriteSpec>(e),
            validateFields: AddressRewriteService.ValidateFields);
        if (specs is null)
            return;
        // What only the whole section can tell: one entry per internal pattern, one way back per external address.
        for (var i = 0; i < final.Count; i++)
            foreach (var (field, message) in AddressRewriteService.Clashes(final[i], final.Take(i).Where(e => !string.Equals(e.Name, final[i].Name, StringComparison.OrdinalIgnoreCase))))
                _errors.Add($"{section}[{i}].{field}", message);
    }
}
