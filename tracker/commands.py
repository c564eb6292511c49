"""CLI commands: `flask users …`, `flask demo seed`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.passwords import hash_password, password_problems
from tracker.roles import Role

users_cli = AppGroup("users", help="Create users and change their roles.")
demo_cli = AppGroup("demo", help="Demonstration data (plainly fake, never real people).")

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
    email = email.strip().lower()
    if db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email)):
        raise click.ClickException(f"A user with the email {email} already exists.")
    problems = password_problems(password, email=email)
    if problems:
        raise click.ClickException("; ".join(problems))
    user = User(email=email, full_name=full_name.strip(), role=role,
                password_hash=hash_password(password))
    user.partnerships = _partnerships_by_code(partnerships)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {email} ({Role(role).label}).")


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


@demo_cli.command("seed")
@click.option("--cases", default=0, show_default=True, type=click.IntRange(min=0),
              help="How many synthetic cases to add across both domains.")
@click.option("--seed", "random_seed", default=2018, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Add cases only when there are none yet.")
def seed(cases, random_seed, if_empty):
    """Load the demo partnership and one demo user per role (only into an empty database)."""
    from tracker import demo

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
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
