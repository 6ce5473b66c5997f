namespace Mailflow.Security;

/// <summary>
/// One holder at a time per key (e.g. per account), so parallel password guesses against one account
/// are verified one after the other and each sees the previous one's failure. Entries exist only while
/// someone holds or waits for them.
/// </summary>
public sealed class KeyedLock
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Users;
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int TrackedKeys
    {
        get
        {
            lock (_entries)
                return _entries.Count;
        }
    }

    public async Task<IDisposable> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
                _entries[key] = entry = new Entry();
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }
        return new Releaser(this, key, entry);
    }

    private void Leave(string key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
                _entries.Remove(key);
        }
    }

    private sealed class Releaser(KeyedLock owner, string key, Entry entry) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            entry.Gate.Release();
            owner.Leave(key, entry);
        }
    }
}
