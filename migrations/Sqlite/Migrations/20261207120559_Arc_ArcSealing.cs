using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Arc_ArcSealing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "ArcSealingEnabled",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                // Existing organizations get the product default: on (it seals only where a DKIM key exists).
                defaultValue: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ArcSealingEnabled",
                table: "OrganizationSettings");
        }
    }
}
