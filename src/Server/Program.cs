using Mailflow.Admin.Web;
using Mailflow.Server.Api;
using Mailflow.Server.Hosting;

// One process, two faces: the admin center (HTTP) and the transport engine (SMTP), sharing one store.
var migrateOnly = MigrateOnly.Take(ref args);
var backupTo = BackupCommand.Take(ref args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json lives at the repository root and is copied next to the binaries, so the
    // server finds its defaults wherever it is started from. Relative paths in settings (the data
    // directory) stay relative to the working directory.
    ContentRootPath = AppContext.BaseDirectory,
});
// Serve Admin.Web's and MudBlazor's static assets from the build output outside Development too.
builder.WebHost.UseStaticWebAssets();

builder.AddHttpHardening();
builder.AddMailflowStore();
builder.AddAdminCenter();
builder.AddTransport();
builder.AddCluster();
builder.AddMailflowApi();
builder.AddOperations();

var app = builder.Build();

if (backupTo is not null)
{
    Environment.ExitCode = await BackupCommand.RunAsync(app, backupTo);
    return;
}

if (migrateOnly)
{
    Environment.ExitCode = await MigrateOnly.RunAsync(app);
    return;
}

await app.PrepareMailflowStoreAsync();

app.UseHttpHardening();
app.UseOperations();
app.MapAdminCenter();
app.MapMailflowApi();
app.MapOperations();

app.Run();
