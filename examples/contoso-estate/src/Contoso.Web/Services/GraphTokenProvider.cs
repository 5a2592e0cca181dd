using Azure.Core;
using Azure.Identity;

namespace Contoso.Web.Services;

public sealed class GraphTokenProvider
{
    private readonly TokenCredential _credential;

    public GraphTokenProvider(IConfiguration config)
    {
        var tenant = config["AzureAd:TenantId"];
        var client = config["AzureAd:ClientId"];
        var secret = config["AzureAd:ClientSecret"];
        _credential = new ClientSecretCredential(tenant, client, secret);
    }

    public ValueTask<AccessToken> GetTokenAsync(CancellationToken ct) =>
        _credential.GetTokenAsync(new TokenRequestContext(new[] { "https://graph.microsoft.com/.default" }), ct);
}
