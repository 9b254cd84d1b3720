using AgentFunctions.Api.Usage;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions.Usage;

/// <summary>Usage, plans and invoices as Azure Functions, on the handlers the local host maps too, and the monthly invoice timer.</summary>
public sealed class UsageFunctions(UsageApi usage, UsageLimitsApi limits, PlansApi plans, InvoicesApi invoices, InvoiceService invoiceService, TimeProvider time, ILogger<UsageFunctions> logger)
{
    [Function(nameof(GetUsage))]
    public Task<IResult> GetUsage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/usage")] HttpRequest req) =>
        usage.Get(req.HttpContext);

    [Function(nameof(GetUsageLimits))]
    public Task<IResult> GetUsageLimits([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/usage/limits")] HttpRequest req) =>
        limits.Get(req.HttpContext);

    [Function(nameof(GetPlan))]
    public Task<IResult> GetPlan([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/plans/{planId}")] HttpRequest req, string planId) =>
        plans.Get(req.HttpContext, planId);

    [Function(nameof(PutPlan))]
    public Task<IResult> PutPlan([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "v1/plans/{planId}")] HttpRequest req, string planId) =>
        plans.Put(req.HttpContext, planId);

    [Function(nameof(CreateInvoiceDraft))]
    public Task<IResult> CreateInvoiceDraft([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/invoices/drafts")] HttpRequest req) =>
        invoices.CreateDraft(req.HttpContext);

    [Function(nameof(ListInvoices))]
    public Task<IResult> ListInvoices([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/invoices")] HttpRequest req) =>
        invoices.List(req.HttpContext);

    [Function(nameof(GetInvoice))]
    public Task<IResult> GetInvoice([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/invoices/{invoiceId}")] HttpRequest req, string invoiceId) =>
        invoices.Get(req.HttpContext, invoiceId);

    /// <summary>02:00 UTC on the 1st and 2nd of each month: every tenant's draft for the month that ended (the 2nd catches late events as a new revision).</summary>
    [Function(nameof(MonthlyInvoices))]
    public async Task MonthlyInvoices([TimerTrigger("0 0 2 1,2 * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var period = InvoiceService.PreviousPeriod(time.GetUtcNow());
        var drafted = await invoiceService.GenerateAllAsync(period, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Monthly invoices: {Count} tenant drafts for {Period} (late: {IsPastDue})", drafted, period, timer.IsPastDue);
    }
}
