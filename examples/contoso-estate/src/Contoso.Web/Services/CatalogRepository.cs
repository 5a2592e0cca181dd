using Microsoft.Azure.Cosmos;
using Microsoft.Data.SqlClient;

namespace Contoso.Web.Services;

public sealed class CatalogRepository
{
    private readonly CosmosClient _cosmos;
    private readonly string _sqlConnectionString;

    public CatalogRepository(IConfiguration config)
    {
        _cosmos = new CosmosClient(config.GetConnectionString("Cosmos"));
        _sqlConnectionString = config.GetConnectionString("Sql")!;
    }

    public Container Products => _cosmos.GetContainer("catalog", "products");

    public async Task<int> CountOrdersAsync(CancellationToken ct)
    {
        await using var connection = new SqlConnection(_sqlConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new SqlCommand("SELECT COUNT(*) FROM dbo.Orders", connection);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }
}
