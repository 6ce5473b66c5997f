using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
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
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "ActivatedAt",
                table: "DkimSigningKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DnsVerifiedAt",
                table: "DkimSigningKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "ReplacesKeyId",
                table: "DkimSigningKeys",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RetiredAt",
                table: "DkimSigningKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RetiringSince",
                table: "DkimSigningKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RotateEveryDays",
                table: "DkimSigningKeys",
                type: "INTEGER",
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
