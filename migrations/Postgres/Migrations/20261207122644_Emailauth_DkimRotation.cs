using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Emailauth_DkimRotation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "ActivateWhenPublished",
                table: "DkimSigningKeys",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ActivatedAt",
                table: "DkimSigningKeys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "DnsVerifiedAt",
                table: "DkimSigningKeys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ReplacesKeyId",
                table: "DkimSigningKeys",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RetiredAt",
                table: "DkimSigningKeys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "RetiringSince",
                table: "DkimSigningKeys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RotateEveryDays",
                table: "DkimSigningKeys",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ActivateWhenPublished",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "ActivatedAt",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "DnsVerifiedAt",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "ReplacesKeyId",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "RetiredAt",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "RetiringSince",
                table: "DkimSigningKeys");

            migrationBuilder.DropColumn(
                name: "RotateEveryDays",
                table: "DkimSigningKeys");
        }
    }
}
