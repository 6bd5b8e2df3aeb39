using Grpc.Core;

namespace MitmFixture.Tests.Grpc;

/// <summary>The test gRPC service: greets, counts, gathers names, chats, and fails with NOT_FOUND for the name "nobody".</summary>
/// <param name="log">What tests observe of the calls, when they register one.</param>
public sealed class GreeterService(ChatLog? log = null) : Greeter.GreeterBase
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

    /// <summary>Client streaming: one answer naming everyone, once the client has ended.</summary>
    public override async Task<HelloReply> Gather(IAsyncStreamReader<HelloRequest> requestStream, ServerCallContext context)
    {
        var names = new List<string>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            names.Add(request.Name);
        }

        return new HelloReply { Message = $"Hello {string.Join(", ", names)}" };
    }

    /// <summary>Bidirectional: an answer to each message as it arrives, so a client may wait for each before sending the next.</summary>
    public override async Task Chat(IAsyncStreamReader<HelloRequest> requestStream, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        using var cancelled = context.CancellationToken.Register(() => log?.Cancelled.TrySetResult());
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new HelloReply { Message = $"Hi {request.Name}" }, context.CancellationToken);
        }
    }
}

/// <summary>What a test sees of the service's calls: whether a chat was cancelled (the client, through the proxy, reset it).</summary>
public sealed class ChatLog
{
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
