using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>Debian's python3-dkim (dkimpy, installed by test.sh) as the independent verifier of the signatures Mailflow makes.</summary>
public static class DkimPython
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs dkimpy's verifier on each signature of one message, with the key records given (no real DNS).</summary>
    public static async Task<IReadOnlyList<string>> VerifyAsync(byte[] message, IReadOnlyDictionary<string, string> records) =>
        (await VerifyAllAsync([message], records))[0];

    /// <summary>One python run for many messages: per message, "True"/"False" per DKIM-Signature in header order.</summary>
    public static async Task<IReadOnlyList<IReadOnlyList<string>>> VerifyAllAsync(IReadOnlyList<byte[]> messages, IReadOnlyDictionary<string, string> records)
    {
        var directory = Directory.CreateTempSubdirectory("mailflow-dkimpy-");
        try
        {
            var paths = new List<string>();
            for (var i = 0; i < messages.Count; i++)
            {
                var messagePath = Path.Combine(directory.FullName, $"message{i}.eml");
                await File.WriteAllBytesAsync(messagePath, messages[i]);
                paths.Add(messagePath);
            }
            var recordsPath = Path.Combine(directory.FullName, "records.json");
            await File.WriteAllTextAsync(recordsPath, JsonSerializer.Serialize(records));
            const string script = """
                import json, sys, dkim
                records = json.load(open(sys.argv[1]))
                def dnsfunc(name, timeout=5):
                    name = name.decode() if isinstance(name, bytes) else name
                    return records.get(name.rstrip('.'), '').encode()
                for path in sys.argv[2:]:
                    message = open(path, 'rb').read()
                    verifier = dkim.DKIM(message)
                    count = sum(1 for line in message.split(b'\r\n\r\n', 1)[0].split(b'\r\n') if line.lower().startswith(b'dkim-signature:'))
                    print(' '.join(str(verifier.verify(idx=index, dnsfunc=dnsfunc)) for index in range(count)) or '-')
                """;
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-c", script, recordsPath }.Concat(paths))
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            Assert.True(process.ExitCode == 0, $"python3-dkim failed: {error}");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(messages.Count, lines.Length);
            return [.. lines.Select(l => (IReadOnlyList<string>)(l == "-" ? [] : l.Split(' ')))];
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
