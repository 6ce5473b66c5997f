namespace Mailflow.Configuration;

public enum RuleMode
{
    /// <summary>Actions are applied.</summary>
    Enforce,
    /// <summary>Matches are recorded in message tracking; nothing is changed.</summary>
    Test,
}

public enum SenderAddressLocation
{
    Envelope,
    Header,
    HeaderOrEnvelope,
}

/// <summary>A mail flow (transport) rule. Conditions, exceptions and actions are a typed document stored as JSON.</summary>
public sealed class TransportRule : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public string Name { get; set; } = "";
    public string Comments { get; set; } = "";
    /// <summary>0 is evaluated first.</summary>
    public int Priority { get; set; }
    public bool Enabled { get; set; } = true;
    public RuleMode Mode { get; set; } = RuleMode.Enforce;
    public DateTimeOffset? ActivationDate { get; set; }
    public DateTimeOffset? ExpiryDate { get; set; }
    public bool StopProcessingRules { get; set; }
    public SenderAddressLocation SenderAddressLocation { get; set; } = SenderAddressLocation.Envelope;
    public RuleDefinition Definition { get; set; } = new();

    // Hit counters: written by the engine, not part of the configuration generation.
    public long EnforceHits { get; set; }
    public long TestHits { get; set; }
    public DateTimeOffset? LastHitAt { get; set; }

    public int Revision { get; set; }

    public string DisplayName => Name;
}

/// <summary>The rule's logic: all conditions must match, no exception may match, then every action runs.</summary>
public sealed class RuleDefinition
{
    public List<RulePredicate> Conditions { get; set; } = [];
    public List<RulePredicate> Exceptions { get; set; } = [];
    public List<RuleAction> Actions { get; set; } = [];
}

/// <summary>One condition or exception: a kind from the supported set and its values (words, patterns, addresses, sizes…).</summary>
public sealed class RulePredicate
{
    public string Kind { get; set; } = "";
    public List<string> Values { get; set; } = [];
    /// <summary>For header predicates: the header name.</summary>
    public string? HeaderName { get; set; }
}

/// <summary>One action: a kind from the supported set and its arguments.</summary>
public sealed class RuleAction
{
    public string Kind { get; set; } = "";
    public Dictionary<string, string> Arguments { get; set; } = [];
}
