namespace Mailflow.Cluster;

/// <summary>A binding that one node of the cluster could not listen on, as its last heartbeat reported.</summary>
public sealed record NodeListenerFailure(string Node, ListenerBindFailure Failure);
