using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class EmailAuth_SenderAuthenticationMode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SenderAuthentication",
                table: "ReceiveConnectors",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "Off");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SenderAuthentication",
                table: "ReceiveConnectors");
        }
    }
}
