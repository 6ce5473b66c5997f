using System.Collections.Immutable;
using MimeKit;
using MimeKit.IO;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// An attachment as rules see it: its file name and decoded size. Attachments are the leaf parts with
/// <c>Content-Disposition: attachment</c> or a file name (RFC 2183 filename, or the Content-Type name
/// parameter older clients use), and attached messages (message/rfc822). Parts inside an attached
/// message are not listed separately.
/// </summary>
internal sealed record MessageAttachment(string FileName, long SizeBytes, MimeEntity? Entity = null)
{
    private AttachmentInspection? inspection;

    /// <summary>The attachment's extractable text and whether it could be read, worked out on first use.</summary>
    public AttachmentInspection Inspection => inspection ??= AttachmentInspector.Inspect(this);

    public string Extension
    {
        get
        {
            var dot = FileName.LastIndexOf('.');
            return dot < 0 ? "" : FileName[(dot + 1)..];
        }
    }

    public static ImmutableArray<MessageAttachment> List(MimeMessage message)
    {
        var list = ImmutableArray.CreateBuilder<MessageAttachment>();
        foreach (var entity in message.BodyParts)
        {
            switch (entity)
            {
                case MimePart part when part.IsAttachment || !string.IsNullOrEmpty(part.FileName):
                    list.Add(new MessageAttachment(part.FileName ?? "", DecodedSize(part), part));
                    break;
                case MessagePart attached:
                    var name = attached.ContentDisposition?.FileName ?? attached.ContentType.Name ?? attached.Message?.Subject ?? "";
                    list.Add(new MessageAttachment(name, WrittenSize(attached), attached));
                    break;
            }
        }
        return list.ToImmutable();
    }

    private static long DecodedSize(MimePart part)
    {
        if (part.Content is null)
            return 0;
        using var measure = new MeasuringStream();
        part.Content.DecodeTo(measure);
        return measure.Length;
    }

    private static long WrittenSize(MessagePart part)
    {
        if (part.Message is null)
            return 0;
        using var measure = new MeasuringStream();
        part.Message.WriteTo(measure);
        return measure.Length;
    }
}
