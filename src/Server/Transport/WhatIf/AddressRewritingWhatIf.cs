using Mailflow.Configuration;
using Mailflow.Server.Transport.AddressRewriting;
using Mailflow.Server.Transport.Categorize;
using MimeKit;

namespace Mailflow.Server.Transport.WhatIf;

/// <summary>
/// "Test mail flow"'s account of address rewriting, from the same code the engine runs: the
/// resolver's REWRITE steps and <see cref="HeaderAddressRewriter"/> on the way in (what the categorizer
/// writes into To and Cc), <see cref="OutboundAddressRewriter"/> on the way out (what a delivery to a
/// recipient outside the accepted domains sends).
/// </summary>
internal static class AddressRewritingWhatIf
{
    public static IReadOnlyList<string> Describe(TransportConfig config, CategorizationPlan plan, MimeMessage message, string sender)
    {
        var table = config.AddressRewriting;
        if (table.IsEmpty || plan.Resolution is not { } resolution)
            return [];
        var lines = new List<string>();
        var inbound = resolution.Recipients.SelectMany(r => r.Path).Where(s => s.Kind == ResolutionStepKind.Rewrite).Select(s => s.Description).Distinct().ToList();
        if (inbound.Count > 0)
        {
            lines.AddRange(inbound.Select(d => $"On the way in, envelope recipient {d}."));
            lines.AddRange(HeaderAddressRewriter.Rewrite(message, table.Inbound, HeaderAddressRewriter.InboundFields).Select(c => $"On the way in, {c}."));
        }
        var leaving = plan.Routes.Select(r => r.Recipient.Address).Where(a => OutboundAddressRewriter.LeavesOrganization(config, [a])).ToList();
        if (leaving.Count > 0)
        {
            var outgoing = new List<string>();
            if (sender.Length > 0 && table.Outbound(sender) is { } envelope)
                outgoing.Add($"MAIL FROM: {envelope.Description}");
            outgoing.AddRange(HeaderAddressRewriter.Rewrite(message, table.Outbound, HeaderAddressRewriter.OutboundFields).Select(c => c.ToString()));
            lines.Add(outgoing.Count == 0
                ? $"Leaving the organization (to {string.Join(", ", leaving)}): no address rewriting entry covers the sender or the address fields."
                : $"Leaving the organization (to {string.Join(", ", leaving)}), before DKIM signing: {string.Join("; ", outgoing)}.");
        }
        return lines;
    }
}
