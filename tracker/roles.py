"""Roles and what each may do: the one place that says who can see and change what."""

import enum


class Role(enum.StrEnum):
    """The roles a user can hold; one per user."""

    SYSTEM_ADMIN = "system_admin"
    CDOP_ADMIN = "cdop_admin"
    DESIGNATED_DOCTOR = "designated_doctor"
    BUSINESS_UNIT = "business_unit"
    PANEL_MEMBER = "panel_member"
    AUDITOR = "auditor"

    @property
    def label(self):
        """The role's name as users say it."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SYSTEM_ADMIN: "System administrator",
    Role.CDOP_ADMIN: "CDOP administrator",
    Role.DESIGNATED_DOCTOR: "Designated doctor for child deaths",
    Role.BUSINESS_UNIT: "Partnership business unit",
    Role.PANEL_MEMBER: "CDOP member",
    Role.AUDITOR: "Read-only auditor",
}

ROLE_DESCRIPTIONS = {
    Role.SYSTEM_ADMIN: "Manages users, partnerships, closure days and timescale overrides. "
    "Sees no case records.",
    Role.CDOP_ADMIN: "Logs child death notifications and runs the review to the CDOP panel.",
    Role.DESIGNATED_DOCTOR: "Leads the child death review process and chairs its meetings.",
    Role.BUSINESS_UNIT: "Tracks serious incidents, rapid reviews and practice reviews.",
    Role.PANEL_MEMBER: "Sees anonymised panel material only: never names, NHS numbers, "
    "addresses or dates of birth.",
    Role.AUDITOR: "Reads everything in their partnerships, including the audit trail, "
    "and changes nothing.",
}


class Permission(enum.StrEnum):
    """Things a role may do. Views check permissions, never role names."""

    MANAGE_USERS = "manage_users"
    MANAGE_PARTNERSHIP_SETTINGS = "manage_partnership_settings"
    VIEW_AUDIT = "view_audit"
    VIEW_TIMESCALES = "view_timescales"
    VIEW_CDR_CASES = "view_cdr_cases"
    EDIT_CDR_CASES = "edit_cdr_cases"
    VIEW_PANEL_PACK = "view_panel_pack"
    VIEW_REVIEWS = "view_reviews"
    EDIT_REVIEWS = "edit_reviews"
    VIEW_IDENTIFYING_DETAILS = "view_identifying_details"
    EXPORT = "export"
    # Importing existing records from a spreadsheet (with the domain's edit permission).
    IMPORT = "import"
    # Reminders of deadlines: the in-app notices and one's own reminder settings. Held by
    # every role a reminder source can remind (a case view permission).
    RECEIVE_REMINDERS = "receive_reminders"
    # Marking a child death case's national forms as sent to the NCMD (the CDOP's own task).
    RECORD_NCMD = "record_ncmd"
    # Being assigned cases of one's own (a designated doctor): "My cases" in the navigation.
    HAS_OWN_CASES = "has_own_cases"
    # The partnership's agency directory (tracker.agencies): its agencies and contacts.
    MANAGE_AGENCIES = "manage_agencies"
    # Triage of the notifications sent through the public form (cdr.views.public).
    TRIAGE_PUBLIC_NOTIFICATIONS = "triage_public_notifications"


P = Permission
PERMISSIONS = {
    Role.SYSTEM_ADMIN: {
        P.MANAGE_USERS,
        P.MANAGE_PARTNERSHIP_SETTINGS,
        P.VIEW_AUDIT,
        P.VIEW_TIMESCALES,
    },
    Role.CDOP_ADMIN: {
        P.VIEW_TIMESCALES,
        P.VIEW_CDR_CASES,
        P.EDIT_CDR_CASES,
        P.VIEW_PANEL_PACK,
        P.VIEW_IDENTIFYING_DETAILS,
        P.EXPORT,
        P.IMPORT,
        P.RECEIVE_REMINDERS,
        P.RECORD_NCMD,
        P.MANAGE_AGENCIES,
        P.TRIAGE_PUBLIC_NOTIFICATIONS,
    },
    Role.DESIGNATED_DOCTOR: {
        P.VIEW_TIMESCALES,
        P.VIEW_CDR_CASES,
        P.EDIT_CDR_CASES,
        P.VIEW_PANEL_PACK,
        P.VIEW_IDENTIFYING_DETAILS,
        P.RECEIVE_REMINDERS,
        P.HAS_OWN_CASES,
    },
    Role.BUSINESS_UNIT: {
        P.VIEW_TIMESCALES,
        P.VIEW_REVIEWS,
        P.EDIT_REVIEWS,
        P.VIEW_IDENTIFYING_DETAILS,
        P.EXPORT,
        P.IMPORT,
        P.RECEIVE_REMINDERS,
        P.MANAGE_AGENCIES,
    },
    Role.PANEL_MEMBER: {P.VIEW_TIMESCALES, P.VIEW_PANEL_PACK},
    Role.AUDITOR: {
        P.VIEW_AUDIT,
        P.VIEW_TIMESCALES,
        P.VIEW_CDR_CASES,
        P.VIEW_PANEL_PACK,
        P.VIEW_REVIEWS,
        P.VIEW_IDENTIFYING_DETAILS,
        P.RECEIVE_REMINDERS,
    },
}


def role_has(role, permission):
    """Whether a role carries a permission."""
    return Permission(permission) in PERMISSIONS.get(Role(role), set())
