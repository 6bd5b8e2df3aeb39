using Grpc.Core;

namespace MitmFixture.Tests.Grpc;

/// <summary>The test gRPC service: greets, counts, and fails with NOT_FOUND for the name "nobody".</summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        request.Name == "nobody"
            ? throw new RpcException(new Status(StatusCode.NotFound, "no such person"))
            : Task.FromResult(new HelloReply { Message = $"Hello {request.Name}" });

    public override async Task Count(CountRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        for (var i = 1; i <= request.Times; i++)
        {
            await responseStream.WriteAsync(new HelloReply { Message = $"{request.Name} {i}" }, context.CancellationToken);
        }
    }
}
