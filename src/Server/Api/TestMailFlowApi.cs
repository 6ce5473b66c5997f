using Mailflow.WhatIf;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/test-mail-flow: what the engine would do with a message, without sending anything.</summary>
public static class TestMailFlowApi
{
    public static RouteGroupBuilder MapTestMailFlowApi(this RouteGroupBuilder api)
    {
        api.MapPost("/test-mail-flow", (MailFlowTestRequest request, IMailFlowTester tester, CancellationToken ct) => tester.TestAsync(request, ct))
            .WithTags("Test mail flow").WithName("TestMailFlow")
            .WithSummary("Which receive connector takes the client, whether each recipient is accepted, which rules match and why, how recipients resolve, and where each is routed — nothing is sent")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }
}
