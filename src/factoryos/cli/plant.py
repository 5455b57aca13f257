"""`factoryos plant validate|load|show`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from factoryos.cli.common import DbOption, SiteOption, console, err_console, open_store
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.validate import overlong_on_paced_lines, uncrewed_centers, unsupplied_parts
from factoryos.report.wording import counted, listed

app = typer.Typer(help="Plant files: validate, load into the database, show.", no_args_is_help=True)

PlantFile = Annotated[Path, typer.Argument(help="A plant file (YAML), e.g. examples/ev-plant.yaml.")]


def _note_uncrewed(plant: Plant) -> None:
    """Say which manned work centers the file gives no crew: the twin works them with nobody."""
    centers = uncrewed_centers(plant)
    if centers:
        console.print(
            f"  note: {counted(len(centers), 'manned work center')} with no crew ({listed(centers)}): the twin "
            "works them with nobody and counts no labour; give `operators_per_shift`, or `lights_out: true`",
            highlight=False,
        )


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Plant files to check.")]) -> None:
    """Check plant files and report every error, with file, line and path; exit 1 if any has errors."""
    from factoryos.services.plants import check_plant

    failed = 0
    for file in files:
        if not file.is_file():
            err_console.print(f"[red]{file}: no such file[/]")
            failed += 1
            continue
        plant, issues = check_plant(file)
        if issues or plant is None:
            failed += 1
            err_console.print(f"[bold red]{file}: {counted(len(issues), 'error')}[/]")
            for issue in issues:
                err_console.print(f"  {issue}", highlight=False, markup=False)
        else:
            console.print(
                f"[green]{file}: valid[/] ({counted(len(plant.materials), 'material')}, "
                f"{counted(len(plant.work_units()), 'work unit')}, {counted(len(plant.products), 'product')})"
            )
            _note_unsupplied(plant)
            _note_uncrewed(plant)
            _note_overlong(plant)
    if failed:
        raise typer.Exit(1)


def _note_unsupplied(plant: Plant) -> None:
    """Say which planned bought parts the file neither stocks nor has on order: orders wait a lead time for them."""
    parts = unsupplied_parts(plant)
    if parts:
        console.print(
            f"  note: {counted(len(parts), 'bought part')} with neither stock nor an open order ({listed(parts)}): "
            "promises wait a supplier lead time for them; mark a part `on_call: true` if its supplier keeps the "
            "line filled",
            highlight=False,
        )


def _note_overlong(plant: Plant) -> None:
    """Say which operations put more work on a paced line's station than its takt: each such unit stops the line."""
    operations = overlong_on_paced_lines(plant)
    if operations:
        console.print(
            f"  note: {counted(len(operations), 'operation')} over a paced line's takt "
            f"({listed(operations)}): each such unit holds the line that long, as the scheduler and the twin count it",
            highlight=False,
        )


@app.command()
def load(file: PlantFile, db: DbOption = None) -> None:
    """Load a plant into the database in one transaction; loading again updates, never duplicates."""
    from factoryos.services.plants import load_plant_file

    loaded = load_plant_file(file, lambda: open_store(db))
    summary = loaded.summary
    if not summary.changed:
        console.print(f"plant [bold]{summary.site}[/] is up to date: nothing changed")
        return
    table = Table("table", "added", "updated", "removed", title=f"loaded plant {summary.site}")
    for name in sorted(set(summary.added) | set(summary.updated) | set(summary.removed)):
        table.add_row(name, str(summary.added[name]), str(summary.updated[name]), str(summary.removed[name]))
    console.print(table)
    _warn_misfits(loaded.misfits)


def _warn_misfits(misfits: list[tuple[CustomerOrder, str]]) -> None:
    """Say which orders still to be built the plant as loaded no longer fits, grouped by product and why."""
    if not misfits:
        return
    by_reason: dict[tuple[str, str], list[str]] = defaultdict(list)
    for order, reason in misfits:
        by_reason[order.product, reason].append(order.id)
    console.print(
        f"warning: {counted(len(misfits), 'order')} still to be built no longer "
        f"{'fits' if len(misfits) == 1 else 'fit'} the plant as loaded; cancel them or take them up with the "
        "customer:",
        highlight=False,
    )
    for (product, reason), ids in sorted(by_reason.items()):
        console.print(f"  {product}: {reason}: {counted(len(ids), 'order')} ({listed(ids)})", highlight=False)


@app.command()
def show(
    db: DbOption = None,
    site: SiteOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole plant as JSON.")] = False,
) -> None:
    """Show the loaded plant: equipment hierarchy, products and their options, suppliers."""
    from factoryos.services.plants import loaded_plant, plant_document

    plant = loaded_plant(open_store(db, create=False), site)
    if as_json:
        typer.echo(json.dumps(plant_document(plant), indent=2))
        return
    tree = Tree(f"[bold]{plant.enterprise.name} / {plant.site.name}[/] ({plant.site.id})")
    for area_id, area in plant.areas.items():
        branch = tree.add(f"[cyan]{area.name or area_id}[/] ({area_id})")
        for wc_id, wc in area.work_centers.items():
            mode = f"lights-out, calendar {wc.calendar}" if wc.lights_out else f"calendar {wc.calendar}"
            node = branch.add(f"{wc.name or wc_id} ({wc.kind}, {mode})")
            for wu_id, wu in wc.work_units.items():
                node.add(f"{wu_id} [dim]{wu.equipment_class}[/]")
    console.print(tree)
    products = Table("product", "tenant", "material", "options", title="Products")
    for pid, product in plant.products.items():
        families = "; ".join(f"{f}: {', '.join(fam.options)}" for f, fam in product.option_families.items())
        products.add_row(pid, product.tenant, product.material, families)
    console.print(products)
    console.print(
        f"{counted(len(plant.materials), 'material')}, {counted(len(plant.suppliers), 'supplier')}, "
        f"{counted(len(plant.customers), 'customer')}, {counted(len(plant.inventory), 'inventory lot')}"
    )
