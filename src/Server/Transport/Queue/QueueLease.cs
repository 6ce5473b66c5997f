using Mailflow.Queue;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// A worker's claim on one message. <see cref="Token"/> fences it: once the lease expires and
/// someone else claims the message, writes made with this lease are refused.
/// </summary>
public sealed record QueueLease(long MessageId, string Owner, Guid Token, DateTimeOffset Until);

/// <summary>A claimed message with its recipients, as it was when the claim was made.</summary>
public sealed record QueueClaim(QueueLease Lease, QueuedMessage Message);

/// <summary>What a next hop (or local delivery) said about one recipient.</summary>
/// <param name="Text">The reply text as received (cut to <see cref="QueueModel.ResponseLength"/>), or our own reason.</param>
/// <param name="Code">The SMTP reply code, when there was one.</param>
/// <param name="RemoteHost">The host that answered.</param>
public sealed record DeliveryResponse(string? Text, int? Code = null, string? RemoteHost = null);
