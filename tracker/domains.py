"""Domains register with the shell, as blueprints do.

The shell (`tracker/`) knows nothing of child death reviews or practice reviews. Each domain
package has an `init_app(app)` that calls `register_domain` with what it adds: its
blueprints, its navigation entries, the mapping of its case columns to stored deadlines, and
its demo-data seeder. The app factory is the only place that names the domains, so a third
domain could be added without touching the shell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import Blueprint, current_app

from tracker.deadline_mapping import CaseDeadlines
from tracker.roles import Permission

EXTENSION_KEY = "tracker.domains"


@dataclass(frozen=True)
class NavItem:
    """An entry in the service navigation, shown to users who have the permission."""

    text: str
    endpoint: str
    permission: Permission | None = None
    # The pages the entry stands for, beyond its own: paths under this prefix (such as
    # "/child-deaths/panel-meetings"). Otherwise the first entry of a blueprint stands for
    # the blueprint's pages that no other entry claims.
    section: str | None = None
    # count(user) -> int: shown after the text, "Public notifications (2)" (one query).
    count: Callable | None = None


@dataclass(frozen=True)
class DemoSeeder:
    """How a domain adds synthetic cases to the demo data.

    `seed(rng, partnerships, numbers, today)` inserts one case per number in `numbers` (the
    demo's running case numbers, for unique references) and returns how many it added;
    `count()` says how many cases the domain holds. `after_deadlines(today)`, when given,
    runs once the seeded cases have their stored deadlines (the demo's agency links, whose
    e-mails give a request's due date).
    """

    seed: Callable
    count: Callable[[], int]
    after_deadlines: Callable | None = None


@dataclass(frozen=True)
class HomePanel:
    """A panel on the home page, shown to users who have the permission.

    `render(user, today)` returns (template name, context) for the panel's template, which
    the home page includes, or None to show nothing; it must issue a fixed number of queries
    whatever the case count.
    """

    permission: Permission
    render: Callable
    # "main" for what waits on the user, beside the deadlines; "side" for figures at a glance.
    column: str = "main"


class DeadlineOwner(NamedTuple):
    """What the home page shows of a stored deadline's owner: its case and a link to it."""

    reference: str
    href: str
    # More about the deadline's owner, such as the agency an information request went to.
    detail: str | None = None


@dataclass(frozen=True)
class DeadlineOwners:
    """How the home page's cross-domain deadlines show this domain's stored deadlines.

    Users with `permission` see the deadlines of the domain's registered case models.
    `describe(keys)` takes (owner_type, owner_id) pairs and returns {pair: DeadlineOwner} in a
    fixed number of queries; `scope(user)`, when given, returns a SQL condition on
    tracker.deadline_models.Deadline keeping the deadlines the user acts on (those of open
    cases, say), or None for all of them; it may depend on the user alone, as the home page
    builds its statements once per user and reuses them.
    """

    permission: Permission
    describe: Callable
    scope: Callable | None = None
    # lists(user) -> {"overdue" or "soon": (link text, href)}: the domain's lists of them.
    lists: Callable | None = None


@dataclass(frozen=True)
class RelatedLink:
    """A link from one domain's record to another domain's, shown on the record's page."""

    text: str
    href: str


@dataclass(frozen=True)
class Domain:
    """What one domain adds to the shell."""

    name: str
    title: str
    blueprints: Sequence[Blueprint] = ()
    navigation: Sequence[NavItem] = ()
    case_deadlines: Sequence[CaseDeadlines] = ()
    demo: DemoSeeder | None = None
    # related(record) -> [RelatedLink]: links this domain offers on any record's page (a
    # serious incident linked to a child death case, say), so a domain can link to another
    # without importing it.
    related: Callable | None = None
    # Panels on the home page (overdue and due-soon deadlines, say), in order.
    home_panels: Sequence[HomePanel] = ()
    # The case reference and link of each of its deadlines on the home page.
    deadline_owners: DeadlineOwners | None = None
    # Spreadsheet imports of existing records: tracker.imports.spec.ImportSpec, one per kind.
    imports: Sequence = ()
    # Exports big enough to build in the background: tracker.export_jobs.ExportKind, one each.
    exports: Sequence = ()
    # What reminds whom: tracker.reminders.sources.ReminderSource, one per kind of due thing.
    reminders: Sequence = ()
    # Records stored twice, listed for an administrator to merge:
    # tracker.duplicates.DuplicateFinder, one per kind of record.
    duplicates: Sequence = ()
    extras: dict = field(default_factory=dict)


def register_domain(app, domain: Domain) -> None:
    """Add a domain to the app: check its deadline mapping, register its blueprints."""
    registered = app.extensions.setdefault(EXTENSION_KEY, {})
    if domain.name in registered:
        raise ValueError(f"The domain {domain.name!r} is registered twice")
    owners = {mapping.owner_type for other in registered.values()
              for mapping in other.case_deadlines}
    for mapping in domain.case_deadlines:
        mapping.check()
        if mapping.owner_type in owners:
            raise ValueError(f"Two domains map deadlines of {mapping.owner_type!r}")
    for blueprint in domain.blueprints:
        app.register_blueprint(blueprint)
    registered[domain.name] = domain


def registered_domains(app=None) -> list[Domain]:
    """The domains registered with the app, in registration order."""
    app = app or current_app
    return list(app.extensions.get(EXTENSION_KEY, {}).values())


def agency_request_view(owner_type: str, owner_id: int) -> dict | None:
    """What an agency contact sees of the request a personal link is for: a domain gives it
    as `extras["agency_requests"][owner_type](owner_id)`, a dict with `reference`,
    `partnership`, `due_on`, `form` and `rows` ([(label, value)], the child's identifying
    details the agency needs to find its records), or None when the request is gone.
    `form_kind` says which answer the agency gives: "reporting" (the reporting form, the
    default) or "written" (a written response, with `asked` and `returned(now)`, called
    when it is sent)."""
    for domain in registered_domains():
        describe = domain.extras.get("agency_requests", {}).get(owner_type)
        if describe is not None:
            return describe(owner_id)
    return None


def sweeps(app=None) -> list:
    """The domains' housekeeping for the scheduler's frequent job (`extras["sweeps"]`:
    callables taking the time now, deleting what has expired, no commit)."""
    return [sweep for domain in registered_domains(app)
            for sweep in domain.extras.get("sweeps", ())]


def agency_request_words(owner_type: str):
    """How a domain names a request of this owner type in its e-mails and audit rows
    (tracker.agency_links.Words, given as `extras["agency_words"][owner_type]`), or None."""
    for domain in registered_domains():
        words = domain.extras.get("agency_words", {}).get(owner_type)
        if words is not None:
            return words
    return None


def all_case_deadlines(app=None) -> list[CaseDeadlines]:
    """Every registered case model's deadline mapping."""
    return [mapping for domain in registered_domains(app) for mapping in domain.case_deadlines]


def case_deadlines_for(case) -> CaseDeadlines:
    """The deadline mapping of a case's model; TypeError when no domain registered one."""
    for mapping in all_case_deadlines():
        if isinstance(case, mapping.model):
            return mapping
    raise TypeError(f"No stored deadlines are registered for {type(case).__name__}")


def home_panels_for(user, today, column="main") -> list[tuple[str, dict]]:
    """(template name, context) of every registered domain's home panel the user may see in
    one column of the home page."""
    rendered = (panel.render(user, today) for domain in registered_domains()
                for panel in domain.home_panels
                if panel.column == column and user.can(panel.permission))
    return [panel for panel in rendered if panel is not None]


def deadline_owners_for(user) -> list[tuple[tuple[str, ...], DeadlineOwners]]:
    """(owner types, DeadlineOwners) of every domain whose deadlines the user may see."""
    return [(tuple(mapping.owner_type for mapping in domain.case_deadlines),
             domain.deadline_owners)
            for domain in registered_domains()
            if domain.deadline_owners and user.can(domain.deadline_owners.permission)]


def domain_title(name: str) -> str | None:
    """The title of a registered domain (such as "Child death reviews"), or None."""
    domain = current_app.extensions.get(EXTENSION_KEY, {}).get(name)
    return domain.title if domain else None


def related_links(record) -> list[RelatedLink]:
    """Links every registered domain offers for a record of any domain (one query each)."""
    return [link for domain in registered_domains() if domain.related
            for link in domain.related(record)]
