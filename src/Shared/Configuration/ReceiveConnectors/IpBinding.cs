namespace Mailflow.Configuration;

/// <summary>A local endpoint a receive connector listens on. <c>0.0.0.0</c> / <c>::</c> mean every address.</summary>
public sealed record IpBinding(string Address, int Port)
{
    public override string ToString() => Address.Contains(':') ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
