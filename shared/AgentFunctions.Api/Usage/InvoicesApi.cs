using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Api.Usage;

/// <summary>Invoice drafts of the caller's tenant: generate one for a month, list them, read one (JSON or CSV).</summary>
public sealed class InvoicesApi(InvoiceService invoices)
{
    public Task<IResult> CreateDraft(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewBilling, async caller =>
    {
        var body = await JsonBody.ReadAsync<InvoiceDraftRequest>(http.Request, cancellationToken: http.RequestAborted);
        var draft = await invoices.GenerateAsync(caller.Tenant, body.Period, http.RequestAborted);
        // The same events give the same draft (same id and revision); a change gives the next revision.
        return ApiResults.Ok(draft);
    });

    public Task<IResult> List(HttpContext http) => ApiCall.RunAsync(http, Permission.ViewBilling, async caller =>
        ApiResults.Ok((await invoices.ListAsync(caller.Tenant, ListQuery.Read(http.Request), http.RequestAborted)).Select(d => d.Value)));

    public Task<IResult> Get(HttpContext http, string invoiceId) => ApiCall.RunAsync(http, Permission.ViewBilling, async caller =>
    {
        var draft = await invoices.GetAsync(caller.Tenant, invoiceId, http.RequestAborted);
        return UsageApi.WantsCsv(http.Request)
            ? Results.Text(InvoiceService.ToCsv(draft), "text/csv; charset=utf-8", System.Text.Encoding.UTF8)
            : ApiResults.Ok(draft);
    });
}

/// <summary>The body of <c>POST /api/v1/invoices/drafts</c>: the month, <c>yyyy-MM</c>.</summary>
public sealed record InvoiceDraftRequest(string? Period);
