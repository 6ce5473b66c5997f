namespace Mailflow.Configuration;

/// <summary>The protection sections of a configuration document: protection settings and the IP lists.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanProtection(ProtectionSettingsSpec? spec, ProtectionSettings? current)
    {
        if (spec is null)
            return;
        const string section = "protection";
        var desired = SpecJson.Copy<ProtectionSettings>(spec);
        AddFieldErrors(section, ProtectionSettingsService.ValidateFields(desired));
        foreach (var zone in desired.ConnectionFilter.Zones)
            if (DomainNameRules.TryNormalize(zone.Zone, out var name, out _))
                zone.Zone = name;
        if (current is null)
        {
            db.ProtectionSettings.Add(desired);
            Record(PlannedAction.Create, desired, section, [], before: null);
            return;
        }
        var differences = SpecJson.Differences(SpecJson.Copy<ProtectionSettingsSpec>(current), SpecJson.Copy<ProtectionSettingsSpec>(desired));
        if (differences.Count == 0)
            return;
        var before = AuditJson.Serialize(current);
        desired.Key = current.Key;
        desired.Revision = current.Revision;
        db.Entry(current).CurrentValues.SetValues(desired);
        ConfigurationChangeWriter.ExpectRevision(db, current, current.Revision);
        Record(PlannedAction.Update, current, "Protection settings", differences, before);
    }

    private void PlanIpLists(List<IpListEntrySpec>? specs, List<IpListEntry> current) =>
        PlanSection(
            "ipLists", nameof(IpListEntry.Range), specs, current,
            keyOf: s => Key(s.List, s.Range),
            entityKey: e => Key(e.List, e.Range),
            toEntity: (spec, _, _) =>
            {
                var entry = SpecJson.Copy<IpListEntry>(spec);
                entry.Range = Normalize(entry.Range);
                entry.Comment = string.IsNullOrWhiteSpace(entry.Comment) ? null : entry.Comment.Trim();
                return entry;
            },
            toSpec: e => SpecJson.Copy<IpListEntrySpec>(e),
            validateFields: e => IpListService.ValidateFields(e));

    private static string Key(IpListKind list, string range) => $"{list}:{Normalize(range)}";

    private static string Normalize(string? range) =>
        IpListEntry.TryParseRange(range, out var parsed, out _) ? parsed.Text : (range ?? "").Trim();
}
