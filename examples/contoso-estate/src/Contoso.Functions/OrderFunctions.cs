using Azure.Messaging.EventHubs;
using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Contoso.Functions;

public sealed class OrderFunctions
{
    private readonly ILogger<OrderFunctions> _logger;

    public OrderFunctions(ILogger<OrderFunctions> logger) => _logger = logger;

    [Function("ProcessOrder")]
    public void ProcessOrder(
        [ServiceBusTrigger("orders", Connection = "ServiceBusConnection")] ServiceBusReceivedMessage message)
    {
        _logger.LogInformation("Order {MessageId} received", message.MessageId);
    }

    [Function("IndexUpload")]
    public void IndexUpload(
        [BlobTrigger("uploads/{name}", Connection = "UploadsStorage")] byte[] content, string name)
    {
        _logger.LogInformation("Upload {Name} is {Length} bytes", name, content.Length);
    }

    [Function("IngestTelemetry")]
    public void IngestTelemetry(
        [EventHubTrigger("telemetry", Connection = "EventHubConnection")] EventData[] events)
    {
        _logger.LogInformation("{Count} telemetry events", events.Length);
    }

    [Function("MakeThumbnail")]
    public void MakeThumbnail(
        [QueueTrigger("thumbnails", Connection = "ThumbnailQueue")] string blobName)
    {
        _logger.LogInformation("Thumbnail for {BlobName}", blobName);
    }
}
