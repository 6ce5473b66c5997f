namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// The terminal of whoever started the server. One-time secrets (the generated first password) are
/// shown here and never written to the log, which may be collected and kept elsewhere.
/// </summary>
public sealed class OperatorConsole(TextWriter output)
{
    /// <summary>Writes the lines in a box that stands out from the log lines around it.</summary>
    public void WriteBoxed(IReadOnlyList<string> lines)
    {
        var width = lines.Max(l => l.Length);
        var border = new string('═', width + 2);
        var text = new System.Text.StringBuilder();
        text.AppendLine();
        text.AppendLine($"╔{border}╗");
        foreach (var line in lines)
            text.AppendLine($"║ {line.PadRight(width)} ║");
        text.AppendLine($"╚{border}╝");
        text.AppendLine();
        // One write, so log lines from other threads cannot land inside the box.
        output.Write(text.ToString());
        output.Flush();
    }
}
