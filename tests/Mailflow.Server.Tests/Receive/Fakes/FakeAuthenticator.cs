using System.Net;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>One account: <c>alice@local.test</c> / <c>s3cret-pw</c>, who may also send as <c>*@sales.local.test</c>.</summary>
public sealed class FakeAuthenticator : ISubmissionAuthenticator
{
    public const string User = "alice@local.test";
    public const string Password = "s3cret-pw";

    public int Calls { get; private set; }

    public ValueTask<SubmissionIdentity?> AuthenticateAsync(string userName, string password, IPAddress client, CancellationToken cancellationToken)
    {
        Calls++;
        return ValueTask.FromResult(userName == User && password == Password
            ? new SubmissionIdentity(User, [User], ["*@sales.local.test"])
            : null);
    }
}
