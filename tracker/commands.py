"""CLI commands: `flask users …`, `flask demo seed`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.passwords import password_problems
from tracker.roles import Role

users_cli = AppGroup("users", help="Create users and change their roles.")
demo_cli = AppGroup("demo", help="Demonstration data (plainly fake, never real people).")
partnerships_cli = AppGroup("partnerships", help="Create and list partnerships.")
deadlines_cli = AppGroup("deadlines", help="Recompute stored deadlines.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _partnerships_by_code(codes):
    """Partnerships for a list of codes, failing clearly on an unknown one."""
    found = []
    for code in codes:
        p = db.session.scalar(sa.select(Partnership).where(Partnership.code == code.upper()))
        if p is None:
            raise click.BadParameter(
                f"No partnership has the code {code!r}.", param_hint="--partnership"
            )
        found.append(p)
    return found


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=ROLE_CHOICE)
@click.option("--partnership", "partnerships", multiple=True, help="Partnership code (repeatable).")
@click.password_option("--password", help="Prompted for when not given.")
def create_user(email, full_name, role, partnerships, password):
    """Create a user."""
    from tracker import users as service

    email = email.strip().lower()
    if service.email_taken(email):
        raise click.ClickException(f"A user with the email {email} already exists.")
    problems = password_problems(password, email=email, full_name=full_name)
    if problems:
        raise click.ClickException("; ".join(problems))
    service.create_user(email=email, full_name=full_name.strip(), role=role, password=password,
                        partnership_ids=[p.id for p in _partnerships_by_code(partnerships)])
    db.session.commit()
    click.echo(f"Created {email} ({Role(role).label}).")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Remove a user's second factor (a lost phone), e.g. the only system administrator's:
    they are signed out, told by e-mail and set it up again at their next sign-in."""
    from flask import current_app

    from tracker import users as service

    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    # url_for (the e-mail's sign-in link) needs a request: one from BASE_URL.
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        reset = service.reset_two_factor(user)
    db.session.commit()
    click.echo(f"The two-factor sign-in of {user.email} has been reset." if reset
               else f"{user.email} has not set up two-factor sign-in: nothing to reset.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
def set_role(email, role):
    """Change a user's role."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    user.role = role
    user.session_version += 1  # a new role takes effect at the next sign-in
    db.session.commit()
    click.echo(f"{user.email} is now {Role(role).label}.")


@partnerships_cli.command("create")
@click.option("--code", required=True, help="A short code, e.g. NSP (used in case references).")
@click.option("--name", required=True, help="The partnership's full name.")
def create_partnership(code, name):
    """Create a partnership (a CDOP footprint and/or safeguarding partnership)."""
    code = code.strip().upper()
    if not code.isalnum() or len(code) > 16:
        raise click.BadParameter("Use up to 16 letters and digits.", param_hint="--code")
    if db.session.scalar(sa.select(Partnership).where(Partnership.code == code)):
        raise click.ClickException(f"A partnership with the code {code} already exists.")
    db.session.add(Partnership(code=code, name=name.strip()))
    db.session.commit()
    click.echo(f"Created partnership {code}: {name.strip()}.")


@partnerships_cli.command("list")
def list_partnerships():
    """List every partnership with its code."""
    for p in db.session.scalars(sa.select(Partnership).order_by(Partnership.code)):
        click.echo(f"{p.code:<8} {p.name}")


@deadlines_cli.command("recompute")
def recompute_deadlines():
    """Recompute every stored deadline (e.g. after upgrading the bank-holiday calendar)."""
    from tracker import deadline_bulk

    moved = deadline_bulk.recompute_all()
    click.echo(f"{moved} stored deadlines changed.")


@deadlines_cli.command("rebuild")
def rebuild_deadlines():
    """Rebuild every case's stored deadlines from its dates (after changing the rules)."""
    from tracker import deadline_bulk

    result = deadline_bulk.rebuild_all()
    click.echo(f"Deadlines: {result.inserted} added, {result.updated} updated, "
               f"{result.deleted} removed.")


@deadlines_cli.command("recount-kept")
def recount_kept():
    """Recount every figure the database keeps by triggers (each case's and incident's due
    figures, the possible duplicates' shared-key counts) and say how many rows changed: 0
    when the triggers kept them right."""
    from tracker import duplicates, kept_due

    changed = {f"{owner} due figures": n for owner, n in kept_due.recount_all().items()}
    for spec in duplicates.shared_keys():
        changed[f"{spec.table}.{spec.column}"] = duplicates.sharing_recount(spec)
    db.session.commit()
    for what, n in changed.items():
        click.echo(f"{what}: {n} rows changed")
    click.echo(f"{sum(changed.values())} rows changed in all.")


@demo_cli.command("seed")
@click.option("--cases", default=0, show_default=True, type=click.IntRange(min=0),
              help="How many synthetic cases to add across both domains.")
@click.option("--seed", "random_seed", default=2018, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Add cases only when there are none yet.")
def seed(cases, random_seed, if_empty):
    """Load the demo partnership and one demo user per role (only into an empty database)."""
    from flask import current_app

    from tracker import demo

    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is refused in production: its users share a "
                                   "published password.")

    created = demo.seed_people()
    if created:
        click.echo(f"Demo users (password for all of them: {demo.DEMO_PASSWORD}):")
        for user in created:
            click.echo(f"  {user.email:<38} {Role(user.role).label}")
    else:
        click.echo("The database already has users: no demo users added.")
    if cases and if_empty and demo.has_cases():
        click.echo("The database already has cases: no synthetic cases added.")
    elif cases:
        added = demo.seed_cases(cases, random_seed=random_seed)
        click.echo(f"Added {added} synthetic cases.")


def init_app(app):
    """Register the command groups and make CLI changes auditable as 'system'."""
    from tracker.archive import archive_cli

    for group in (users_cli, partnerships_cli, deadlines_cli, demo_cli, archive_cli):
        app.cli.add_command(group)
