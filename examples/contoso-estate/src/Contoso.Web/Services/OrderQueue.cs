using Azure.Messaging.ServiceBus;

namespace Contoso.Web.Services;

public sealed class OrderQueue : IAsyncDisposable
{
    private readonly ServiceBusClient _client;
    private readonly ServiceBusSender _sender;

    public OrderQueue(IConfiguration config)
    {
        _client = new ServiceBusClient(config["ServiceBus"]);
        _sender = _client.CreateSender("orders");
    }

    public Task EnqueueAsync(string orderJson, CancellationToken ct) =>
        _sender.SendMessageAsync(new ServiceBusMessage(orderJson), ct);

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync();
        await _client.DisposeAsync();
    }
}
