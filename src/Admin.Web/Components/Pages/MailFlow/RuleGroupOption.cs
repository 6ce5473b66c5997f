namespace Mailflow.Admin.Web.Components.Pages.MailFlow;

/// <summary>A distribution group the rule editor offers for "a recipient is a member of".</summary>
public sealed record RuleGroupOption(Guid Id, string Name);
