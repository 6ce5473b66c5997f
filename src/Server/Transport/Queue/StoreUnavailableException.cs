namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// A read the engine needs right now (a message's content for delivery) failed because the store is away
/// (<see cref="StoreFailure"/>). Delivery agents let it pass instead of turning it into a recipient's
/// transient failure: the attempt never happened, so no retry interval is spent and nothing counts
/// against the message; the queue manager gives the message back once the store accepts writes again.
/// </summary>
public sealed class StoreUnavailableException(Exception inner)
    : Exception("The store is unavailable: " + inner.Message, inner)
{
    /// <summary>Runs <paramref name="read"/>; a store failure comes out as a <see cref="StoreUnavailableException"/>.</summary>
    public static async Task<T> WhenAwayAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception exception) when (exception is not OperationCanceledException && StoreFailure.Is(exception))
        {
            throw new StoreUnavailableException(exception);
        }
    }
}
