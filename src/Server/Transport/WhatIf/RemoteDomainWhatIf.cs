using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.RemoteDomains;
using MimeKit;

namespace Mailflow.Server.Transport.WhatIf;

/// <summary>
/// "Test mail flow"'s account of remote domains, from the code the engine runs: per recipient outside
/// the accepted domains, the entry that covers its domain, whether <see cref="RemoteDomainGate"/> lets
/// this kind of message (<see cref="OutboundMessageClass"/>) go there, and what the delivery would do to
/// the content (<see cref="Deliver.RemoteDomainContentShaper"/>'s settings) and to the scopes (trusted partner).
/// </summary>
internal static class RemoteDomainWhatIf
{
    public static IReadOnlyList<string> Describe(TransportConfig config, CategorizationPlan plan, MimeMessage message)
    {
        var remote = plan.Routes.Where(r => RemoteDomainGate.IsRemote(r.Recipient)).ToList();
        if (remote.Count == 0)
            return [];
        var kind = OutboundMessageClass.Of(message);
        var blocked = RemoteDomainGate.Blocked(config, kind, remote);
        var lines = new List<string>();
        foreach (var route in remote)
        {
            var entry = config.RemoteDomainSettings.Find(route.Recipient.Domain);
            if (blocked.FirstOrDefault(b => ReferenceEquals(b.Recipient, route)) is { } block)
            {
                lines.Add(block.Reason);
                continue;
            }
            var parts = new List<string>
            {
                kind.Kind == OutboundMessageKind.Ordinary
                    ? $"{route.Recipient.Address}: remote domain entry '{entry.Name}' ({entry.DomainName}); {kind.Why}, so remote domains let it through"
                    : $"{route.Recipient.Address}: remote domain entry '{entry.Name}' ({entry.DomainName}) allows {RemoteDomainGate.Noun(kind.Kind)}, and this message is one because {kind.Why}",
            };
            if (entry.CharacterSet is { } charset)
                parts.Add($"text parts are sent in {charset} where every character fits");
            if (entry.NonMimeCharacterSet is { } nonMime)
                parts.Add($"a message without MIME is sent in {nonMime}");
            if (entry.LineWrapSize is { } wrap)
                parts.Add($"plain-text lines are wrapped at {wrap} characters");
            if (entry.TrustedPartner)
                parts.Add("it is a trusted partner, so its addresses count as inside the organization for rule and journal scopes");
            lines.Add(string.Join("; ", parts) + ".");
        }
        return lines;
    }
}
