"""`factoryos tenants list|key|keys|revoke`: the plant's tenants and their API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import DbOption, JsonOption, SiteOption, console, open_store, print_items

app = typer.Typer(help="Tenants (the owner and partner brands) and their API keys.", no_args_is_help=True)


@app.command("list")
def list_(site: SiteOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """The tenants of the loaded plant: id, name and role (owner or partner)."""
    from factoryos.services.tenants import list_tenants

    tenants = list_tenants(open_store(db, create=False), site)
    if as_json:
        print_items([{"id": t.id, "name": t.name, "role": t.role} for t in tenants])
        return
    table = Table("tenant", "name", "role", "site")
    for t in tenants:
        table.add_row(t.id, t.name, t.role, t.site)
    console.print(table)


@app.command()
def key(
    tenant: Annotated[str, typer.Argument(help="The tenant the key acts for.")],
    role: Annotated[
        str | None,
        typer.Option(help="planner (the owner's), partner (a partner brand's) or viewer; default by the tenant."),
    ] = None,
    site: SiteOption = None,
    db: DbOption = None,
) -> None:
    """Make an API key and print it on the last line. Only its hash is stored: copy it now."""
    from factoryos.services.tenants import create_key

    made, secret = create_key(open_store(db, create=False), tenant, role, site)
    console.print(f"key {made.id} for tenant {made.tenant} ({made.site}), role {made.role}; it is shown only once:")
    typer.echo(secret)


@app.command()
def keys(as_json: JsonOption = False, db: DbOption = None) -> None:
    """The API keys made so far (ids, never the keys), revoked ones included."""
    from factoryos.services.tenants import list_keys

    found = list_keys(open_store(db, create=False))
    items = [
        {
            "id": k.id,
            "site": k.site,
            "tenant": k.tenant,
            "role": k.role,
            "created_at": k.created_at.isoformat(),
            "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
        }
        for k in found
    ]
    if as_json:
        print_items(items)
        return
    table = Table("key", "tenant", "role", "created", "revoked")
    for k in found:
        revoked = f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else ""
        table.add_row(k.id, k.tenant, k.role, f"{k.created_at:%Y-%m-%d %H:%M}", revoked)
    console.print(table)


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key-...), as `tenants keys` lists it.")],
    db: DbOption = None,
) -> None:
    """Revoke an API key: a running API refuses it within $FACTORYOS_API_KEY_CACHE_SECONDS (5 s by default)."""
    from factoryos.services.tenants import KEY_TRUST_SECONDS, revoke_key

    asked = datetime.now(UTC)
    revoked = revoke_key(open_store(db, create=False), key_id)
    if revoked.revoked_at is not None and revoked.revoked_at < asked:
        console.print(
            f"key {revoked.id} of tenant {revoked.tenant} was already revoked on "
            f"{revoked.revoked_at:%Y-%m-%d %H:%M} UTC"
        )
        return
    console.print(
        f"revoked key {revoked.id} of tenant {revoked.tenant}; a running API refuses it within "
        f"$FACTORYOS_API_KEY_CACHE_SECONDS ({KEY_TRUST_SECONDS:g} s by default)"
    )
