using AgentFunctions.Common;
using AgentFunctions.Common.Paging;

namespace AgentFunctions.Tests.Paging;

public sealed class ListCursorTests
{
    private static readonly TenantId Tenant = new("ten_cursor");

    [Fact]
    public void Open_SealedForTheSameTenantAndList_ReturnsTheContinuation()
    {
        var cursor = ListCursor.Seal(Tenant, "agents", "a.YWd0XzE");

        Assert.Equal("a.YWd0XzE", ListCursor.Open(Tenant, "agents", cursor));
        Assert.DoesNotContain('+', cursor);
        Assert.DoesNotContain('/', cursor);
        Assert.DoesNotContain('=', cursor);
    }

    [Fact]
    public void Open_NoCursor_IsTheFirstPage()
    {
        Assert.Null(ListCursor.Open(Tenant, "agents", null));
    }

    [Theory]
    [InlineData("ten_other", "agents", "agents")]
    [InlineData("ten_cursor", "tools", "agents")]
    [InlineData("ten_cursor", "runs:agt_1:completed", "runs:agt_1:failed")]
    public void Open_SealedForAnotherTenantListOrFilter_IsRefused(string sealedTenant, string sealedList, string openedList)
    {
        var cursor = ListCursor.Seal(new TenantId(sealedTenant), sealedList, "a.YWd0XzE");

        var refused = Assert.Throws<ValidationFailedException>(() => ListCursor.Open(Tenant, openedList, cursor));

        Assert.Equal(["cursor"], refused.Errors.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("!!!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    public void Open_NotACursor_IsRefused(string cursor)
    {
        Assert.Throws<ValidationFailedException>(() => ListCursor.Open(Tenant, "agents", cursor));
    }

    [Fact]
    public void Open_TooLong_IsRefusedBeforeDecoding()
    {
        var cursor = ListCursor.Seal(Tenant, "agents", new string('x', ListRequest.MaxCursorLength));

        Assert.Throws<ValidationFailedException>(() => ListCursor.Open(Tenant, "agents", cursor));
    }
}
