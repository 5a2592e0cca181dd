using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Azure.Storage.Blobs;
using Contoso.Web.Services;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSingleton(new BlobServiceClient(builder.Configuration.GetConnectionString("Storage")));
builder.Services.AddSingleton(new SecretClient(new Uri(builder.Configuration["KeyVault:VaultUri"]!), new DefaultAzureCredential()));
builder.Services.AddStackExchangeRedisCache(options =>
{
    options.Configuration = builder.Configuration.GetConnectionString("Redis");
    options.InstanceName = "storefront:";
});
builder.Services.AddSingleton<OrderQueue>();
builder.Services.AddSingleton<CatalogRepository>();
builder.Services.AddSingleton<GraphTokenProvider>();

var app = builder.Build();

app.MapGet("/", () => "Contoso storefront");
app.MapGet("/healthz", () => Results.Ok());

app.Run();
