namespace Mailflow.Configuration;

/// <summary>The operations section of a configuration document: alert thresholds and notification, log retention.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanOperations(OperationsSettingsSpec? spec, OperationsSettings? current)
    {
        if (spec is null)
            return;
        const string section = "operations";
        var desired = SpecJson.Copy<OperationsSettings>(spec);
        desired.Alerts = OperationsSettingsService.Normalize(desired.Alerts ?? new AlertSettings());
        AddFieldErrors(section, OperationsSettingsService.ValidateFields(desired));
        // Without a stored row the node runs on the defaults: a document that states the defaults changes nothing.
        var differences = SpecJson.Differences(SpecJson.Copy<OperationsSettingsSpec>(current ?? new OperationsSettings()), SpecJson.Copy<OperationsSettingsSpec>(desired));
        if (differences.Count == 0)
            return;
        if (current is null)
        {
            desired.Revision = 1;
            db.OperationsSettings.Add(desired);
            Record(PlannedAction.Create, desired, section, [], before: null);
            return;
        }
        var before = AuditJson.Serialize(current);
        // The webhook secret is not in the document: the stored one stays.
        desired.Key = current.Key;
        desired.Revision = current.Revision;
        desired.AlertWebhookSecretProtected = current.AlertWebhookSecretProtected;
        db.Entry(current).CurrentValues.SetValues(desired);
        ConfigurationChangeWriter.ExpectRevision(db, current, current.Revision);
        Record(PlannedAction.Update, current, "Operations settings", differences, before);
    }
}
