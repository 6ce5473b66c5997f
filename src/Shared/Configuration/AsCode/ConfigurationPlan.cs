namespace Mailflow.Configuration;

public enum PlannedAction
{
    Create,
    Update,
    Delete,
}

/// <param name="ObjectType">"AcceptedDomain", "ReceiveConnector", … (as in the audit log).</param>
/// <param name="Name">The object's identity in the document: domain name, connector or rule name, primary address.</param>
/// <param name="ChangedFields">For updates, the fields that differ.</param>
public sealed record PlannedChange(PlannedAction Action, string ObjectType, string Name, IReadOnlyList<string> ChangedFields);

/// <summary>What applying a document would do. <see cref="Errors"/> is keyed by document path (<c>recipients[3].PrimaryAddress</c>).</summary>
public sealed record ConfigurationPlan(IReadOnlyDictionary<string, string[]> Errors, IReadOnlyList<PlannedChange> Changes)
{
    public bool IsValid => Errors.Count == 0;
    public int Creates => Changes.Count(c => c.Action == PlannedAction.Create);
    public int Updates => Changes.Count(c => c.Action == PlannedAction.Update);
    public int Deletes => Changes.Count(c => c.Action == PlannedAction.Delete);
}

/// <param name="Applied">Whether anything was saved (false for a dry run and for a document that changes nothing).</param>
/// <param name="Generation">The configuration generation the apply produced, when it saved something.</param>
public sealed record ConfigurationApplyResult(ConfigurationPlan Plan, bool DryRun, bool Applied, long? Generation);
